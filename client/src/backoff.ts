export interface BackoffOptions {
  /** The first delay, until the api sets its own with `retry:` (default 1,000 ms). */
  initialDelayMs?: number;
  /** The longest delay between attempts (default 30,000 ms). */
  maxDelayMs?: number;
  /** A number in [0, 1) (default Math.random); tests pass their own. */
  random?: () => number;
}

/**
 * The wait before reconnect attempt `attempt` (0 for the first after a failure): the base doubled
 * per failed attempt up to `maxDelayMs`, drawn from its upper half so clients cut off together do
 * not return together, and never shorter than a Retry-After the api asked for.
 */
export function reconnectDelay(
  attempt: number,
  {
    baseMs,
    maxDelayMs,
    retryAfterMs = 0,
    random = Math.random,
  }: { baseMs: number; maxDelayMs: number; retryAfterMs?: number; random?: () => number },
): number {
  const ceiling = Math.min(maxDelayMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(retryAfterMs, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}
