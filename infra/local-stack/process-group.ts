import type { ChildProcess } from 'node:child_process';

/** Options for {@link stopProcessGroup}. */
export interface StopProcessGroupOptions {
  /** The first, polite signal. */
  signal?: NodeJS.Signals;
  /** How long the group gets to exit before it is killed. */
  graceMs?: number;
}

/**
 * Stops a child started with `spawn(..., { detached: true })` together with everything in its
 * process group: wrappers such as gcloud leave their real server (a JVM) running when only the
 * wrapper dies. Sends `signal` to the group, waits for the child to exit and sends SIGKILL to the
 * group after `graceMs`. Never hangs: it settles at the latest shortly after the SIGKILL.
 */
export async function stopProcessGroup(
  child: ChildProcess,
  { signal = 'SIGTERM', graceMs = 5000 }: StopProcessGroupOptions = {},
): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return; // spawn failed: there is no process to stop
  const exited = hasExited(child) ? Promise.resolve() : waitForExit(child);
  signalGroup(pgid, signal);
  const killedAt = await raceTimeout(exited, graceMs);
  if (killedAt === 'timeout') {
    signalGroup(pgid, 'SIGKILL');
    // SIGKILL cannot be ignored, but an uninterruptible (D state) process may still linger: don't wait forever.
    await raceTimeout(exited, 2000);
    return;
  }
  // The leader is gone, yet grandchildren may have ignored the signal; they must not outlive the group.
  if (isProcessGroupAlive(pgid)) {
    const drained = await raceTimeout(waitForGroupGone(pgid), graceMs);
    if (drained === 'timeout') signalGroup(pgid, 'SIGKILL');
  }
}

/**
 * Whether any process of the group `pgid` still exists (zombies included, as the kernel counts
 * them until their parent reaps them).
 */
export function isProcessGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    // EPERM means the group exists but belongs to someone else.
    return errorCode(error) !== 'ESRCH';
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
    // The exit may have happened between the check and the listener.
    if (hasExited(child)) resolve();
  });
}

async function waitForGroupGone(pgid: number): Promise<void> {
  while (isProcessGroupAlive(pgid)) await sleep(50);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    // ESRCH: the whole group is already gone, which is the goal.
    if (errorCode(error) !== 'ESRCH') throw error;
  }
}

async function raceTimeout(promise: Promise<void>, ms: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, ms);
  });
  try {
    return await Promise.race([promise.then(() => 'done' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorCode(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}
