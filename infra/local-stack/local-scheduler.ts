import type { Logger } from '../../shared/logging/logger.js';

export interface LocalScheduler {
  /** Settles when the first call to ingest has answered. */
  firstRun: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Stands in for Cloud Scheduler: POSTs `{}` to a function (ingest, or monitor) every `intervalMs`. A tick
 * that finds the previous call still running is skipped, as a slow function would not be
 * called twice at once by a sane scheduler either.
 */
export function startLocalScheduler({
  url,
  intervalMs,
  logger,
  target = 'ingest',
  describe = (body) =>
    `${typeof body.trades_published === 'number' ? body.trades_published : 0} trades published`,
}: {
  url: string;
  intervalMs: number;
  logger: Logger;
  /** The function called, for the log lines. */
  target?: string;
  /** A successful answer's body in a few words. */
  describe?: (body: Record<string, unknown>) => string;
}): LocalScheduler {
  let running: Promise<void> | undefined;
  let tick = 0;
  const fire = () => {
    if (running !== undefined) {
      logger.warn(`scheduler: previous ${target} call still running; skipping this tick`);
      return;
    }
    tick += 1;
    running = (async () => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-request-id': `local-scheduler-${target}-${tick}`,
          },
          body: '{}',
          signal: AbortSignal.timeout(Math.max(intervalMs * 3, 10_000)),
        });
        const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
        if (response.ok) logger.info(`scheduler → ${target}: ${describe(body)}`);
        else
          logger.warn(
            { status: response.status },
            `scheduler → ${target} answered ${response.status}: ${typeof body.message === 'string' ? body.message : ''}`,
          );
      } catch (error) {
        logger.warn({ err: error }, `scheduler → ${target} call failed; the next tick catches up`);
      } finally {
        running = undefined;
      }
    })();
  };
  fire();
  const firstRun = running ?? Promise.resolve();
  const timer = setInterval(fire, intervalMs);
  return {
    firstRun,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
