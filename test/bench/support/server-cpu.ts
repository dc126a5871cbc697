import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time (ms) used so far by the PostgreSQL server listening on `port` that was started with
 * `-p <port>` on its command line (the bench's embedded one; its backends are the postmaster's
 * children), from Linux's /proc: what a stretch of work cost the database, apart from what it cost
 * Node, on a machine where both share the cores. Undefined where /proc does not tell (another OS)
 * or no such server runs here (DATABASE_URL elsewhere). A backend that exits takes its time with
 * it: read it around work on pooled connections.
 */
export function serverCpuMs(port: number): number | undefined {
  let processes: { pid: number; ppid: number; cpuMs: number }[];
  try {
    processes = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .flatMap((pid) => {
        const found = postgresProcess(Number(pid));
        return found === undefined ? [] : [found];
      });
  } catch {
    return undefined;
  }
  const postmasters = new Set(processes.filter((p) => startedOn(p.pid, port)).map((p) => p.pid));
  if (postmasters.size === 0) return undefined;
  return processes
    .filter((p) => postmasters.has(p.pid) || postmasters.has(p.ppid))
    .reduce((sum, p) => sum + p.cpuMs, 0);
}

function startedOn(pid: number, port: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.some((arg, i) => arg === '-p' && args[i + 1] === String(port));
  } catch {
    return false;
  }
}

function postgresProcess(pid: number): { pid: number; ppid: number; cpuMs: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command sits in parentheses and may hold spaces; the fields after it are plain.
    const close = stat.lastIndexOf(')');
    if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) return undefined;
    const fields = stat.slice(close + 2).split(' ');
    // schedstat's first field is the time on a CPU in nanoseconds, finer than stat's clock ticks.
    const ns = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    return { pid, ppid: Number(fields[1]), cpuMs: ns / 1e6 };
  } catch {
    return undefined; // gone since the listing, or not ours to read
  }
}
