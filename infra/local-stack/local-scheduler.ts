import type { Logger } from '../../shared/logging/logger.js';

/** What a local job calls and how its answer reads in the log. */
export interface LocalJob {
  /** Names the job in its log lines: `scheduler → ingest`. */
  target: string;
  /** The answer's body in a few words. */
  summary(body: Record<string, unknown>): string;
}

/** The job Cloud Scheduler runs every minute: ingest publishes the trades due. */
export const INGEST_JOB: LocalJob = {
  target: 'ingest',
  summary: (body) =>
    `${typeof body['trades_published'] === 'number' ? body['trades_published'] : 0} trades published`,
};

/** The hourly maintenance of the trades partitions: ingest's POST /maintenance. */
export const MAINTENANCE_JOB: LocalJob = {
  target: 'ingest /maintenance',
  summary: (body) => {
    const length = (key: string) => (Array.isArray(body[key]) ? body[key].length : 0);
    return `${length('created')} trades partitions created, ${length('dropped')} dropped`;
  },
};

/** The stale-feed check, a Cloud Scheduler job of its own: the monitor function. */
export const MONITOR_JOB: LocalJob = {
  target: 'monitor',
  summary: (body) => {
    const count = (key: string) => (typeof body[key] === 'number' ? body[key] : 0);
    return `${count('stale_opened')} stale feed(s) opened, ${count('stale_recovered')} recovered`;
  },
};

/** Cloud Scheduler's schedule of the maintenance job, locally as an interval. */
export const MAINTENANCE_INTERVAL_MS = 3_600_000;

export interface LocalScheduler {
  /** Settles when the first call to ingest has answered. */
  firstRun: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Stands in for Cloud Scheduler: POSTs `{}` to `url` (the ingest function, its maintenance path, or monitor)
 * at once and then every `intervalMs`. A tick that finds the previous call still running is
 * skipped, as a slow function would not be called twice at once by a sane scheduler either.
 */
export function startLocalScheduler({
  url,
  intervalMs,
  logger,
  job = INGEST_JOB,
}: {
  url: string;
  intervalMs: number;
  logger: Logger;
  job?: LocalJob;
}): LocalScheduler {
  let running: Promise<void> | undefined;
  let tick = 0;
  const fire = () => {
    if (running !== undefined) {
      logger.warn(`scheduler: previous ${job.target} call still running; skipping this tick`);
      return;
    }
    tick += 1;
    running = (async () => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-request-id': `local-scheduler-${job === INGEST_JOB ? '' : 'maintenance-'}${tick}`,
          },
          body: '{}',
          signal: AbortSignal.timeout(Math.max(intervalMs * 3, 10_000)),
        });
        const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
        if (response.ok) logger.info(`scheduler → ${job.target}: ${job.summary(body)}`);
        else
          logger.warn(
            { status: response.status },
            `scheduler → ${job.target} answered ${response.status}: ${typeof body['message'] === 'string' ? body['message'] : ''}`,
          );
      } catch (error) {
        logger.warn(
          { err: error },
          `scheduler → ${job.target} call failed; the next tick catches up`,
        );
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
