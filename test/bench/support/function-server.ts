import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import getPort from 'get-port';
import { acceptsConnections } from '../../../infra/local-stack/port-probe.js';
import { stopProcessGroup } from '../../../infra/local-stack/process-group.js';
import { REPO_ROOT } from '../../../infra/local-stack/repo-root.js';

export const FUNCTIONS_FRAMEWORK = join(
  REPO_ROOT,
  'node_modules/@google-cloud/functions-framework/build/src/main.js',
);

export interface Server {
  url: string;
  pid: number;
  /** Milliseconds from spawn to the first answer `ready` accepted. */
  startMs: number;
  /** Peak resident memory of the server process so far (the kernel's VmHWM), in MB. */
  peakRssMb(): Promise<number>;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** The node arguments after the executable, `{port}` replaced by the chosen port. */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Where its output goes: a file under .bench/logs, not the terminal the table is printed to. */
  logName: string;
  /**
   * The path polled until it answers 200; null: until it accepts TCP connections (a CloudEvent
   * function answers a plain GET with an error).
   */
  readyPath?: string | null;
  startTimeoutMs?: number;
}

/** Servers started and not yet stopped: what an interrupted run must still stop. */
const running = new Set<() => Promise<void>>();

/** Stops every server still running (a Ctrl-C in the middle of a bench). */
export async function stopServers(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

/** The node arguments that serve `target` from `source` on the Functions Framework. */
export function functionsFrameworkArgs(source: string, target: string, loader?: 'tsx'): string[] {
  return [
    ...(loader === undefined ? [] : ['--import', loader]),
    FUNCTIONS_FRAMEWORK,
    `--target=${target}`,
    `--source=${source}`,
    '--port={port}',
  ];
}

/**
 * Starts a node server in a process group of its own and resolves once `readyPath` answers 200,
 * timing that from the spawn: the process start to first answer a cold instance goes through.
 */
export async function serve({
  args,
  env,
  logName,
  readyPath = '/',
  startTimeoutMs = 30_000,
}: ServeOptions): Promise<Server> {
  const port = await getPort({ host: '127.0.0.1' });
  const logDir = join(REPO_ROOT, '.bench/logs');
  await mkdir(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `${logName}.log`), { flags: 'a' });
  const started = performance.now();
  const child = spawn(
    process.execPath,
    args.map((arg) => arg.replace('{port}', String(port))),
    {
      cwd: REPO_ROOT,
      env: { ...env, PORT: String(port) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    running.delete(stop);
    await stopProcessGroup(child);
    log.end();
  };
  running.add(stop);
  try {
    await waitUntilReady(child, port, readyPath, startTimeoutMs, logName);
  } catch (error) {
    await stop();
    throw error;
  }
  const startMs = performance.now() - started;
  const pid = child.pid as number; // it answered, so it was spawned
  return { url, pid, startMs, peakRssMb: () => peakRssMb(pid), stop };
}

async function waitUntilReady(
  child: ChildProcess,
  port: number,
  readyPath: string | null,
  timeoutMs: number,
  name: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const url = `http://127.0.0.1:${port}${readyPath ?? ''}`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited before answering; see .bench/logs/${name}.log`);
    if (readyPath === null ? await acceptsConnections(port) : await answersOk(url)) return;
    if (performance.now() > deadline)
      throw new Error(`${name} did not answer on ${url} within ${timeoutMs} ms`);
    // Short, as the figure this times is a cold start of about a second.
    await sleep(5);
  }
}

async function answersOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false; // not listening yet
  }
}

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1]);
  return kb / 1024;
}
