/**
 * Requests for the same key while a load for it is in flight share that load: under load, fifty
 * callers asking for AAPL's latest price cost one query, not fifty queued on a pool of five. Each
 * answer is still as fresh as a query started after the previous one finished; nothing is kept
 * once the load settles. The shared result must not be mutated.
 */
export function coalesceInFlight<T>(
  load: (key: string) => Promise<T>,
): (key: string) => Promise<T> {
  const inFlight = new Map<string, Promise<T>>();
  return (key) => {
    const pending = inFlight.get(key);
    if (pending !== undefined) return pending;
    const started = load(key).finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
}
