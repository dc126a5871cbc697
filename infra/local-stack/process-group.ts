import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { settlesWithin } from './settles-within.js';

const KILL_WAIT_MS = 2000;
const GROUP_POLL_MS = 50;

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
 * wrapper dies. Sends `signal` to the group, waits for the child to exit and the rest of the group
 * to go, and sends SIGKILL to the group after `graceMs`. Never hangs: it settles at the latest two
 * seconds after the SIGKILL. Safe to call again, or after the child exited by itself.
 */
export async function stopProcessGroup(
  child: ChildProcess,
  { signal = 'SIGTERM', graceMs = 5000 }: StopProcessGroupOptions = {},
): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return; // spawn failed: there is no process to stop
  const exited = hasExited(child) ? Promise.resolve() : waitForExit(child);
  signalGroup(pgid, signal);
  if (await allGone(exited, pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  // SIGKILL cannot be ignored, but a process stuck in the kernel (D state) may linger: wait a
  // little, not forever.
  await allGone(exited, pgid, KILL_WAIT_MS);
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

/**
 * Whether the leader exited and then the rest of the group went within `ms`: grandchildren
 * outlive the leader for a moment, as zombies until init reaps them, or for good if they ignore
 * the signal.
 */
async function allGone(exited: Promise<void>, pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  if (!(await settlesWithin(exited, ms))) return false;
  while (isProcessGroupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await sleep(GROUP_POLL_MS);
  }
  return true;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    // ESRCH: the whole group is already gone, which is the goal.
    if (errorCode(error) !== 'ESRCH') throw error;
  }
}

function errorCode(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}
