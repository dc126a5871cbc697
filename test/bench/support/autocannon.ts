import autocannon from 'autocannon';

export interface LoadFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Connection errors, timeouts and non-2xx answers: each one a failed request. */
  failures: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
}

/** Drives `url` with autocannon (keep-alive connections, one request in flight on each). */
export async function load({
  url,
  connections,
  durationSeconds,
}: LoadOptions): Promise<LoadFigures> {
  const outcome = await autocannon({ url, connections, duration: durationSeconds });
  return {
    rps: outcome.requests.average,
    p50Ms: outcome.latency.p50,
    p99Ms: outcome.latency.p99,
    requests: outcome.requests.total,
    failures: outcome.errors + outcome.non2xx,
  };
}

/** A short run first, so the measured one finds the JIT warm and the pool connected. */
export async function warmThenLoad(options: LoadOptions): Promise<LoadFigures> {
  await load({ ...options, durationSeconds: 2 });
  return load(options);
}
