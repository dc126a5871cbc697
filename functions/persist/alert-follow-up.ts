import type { Sql } from '../../shared/db/client.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { AlertPublisher } from '../../shared/alerts/alert-publisher.js';
import type { AnomalyEvent } from '../../shared/alerts/anomalies.queries.js';
import { publishEvents, publishUnpublished } from '../../shared/alerts/alert-outbox.js';

/** How often an instance looks for events a crash or a failed publish left in the outbox. */
const CATCH_UP_EVERY_MS = 30_000;

/**
 * What persist does after a batch committed: publishes its new anomaly events, and now and then
 * those left unpublished. Never throws: the trades are stored, and a redelivery would not bring
 * the events back (the outbox does).
 */
export function createAlertFollowUp({
  sql,
  logger,
  publisher,
  now,
}: {
  sql: Sql;
  logger: Logger;
  publisher: AlertPublisher | undefined;
  now: () => number;
}) {
  let nextCatchUpMs = 0;
  return async (events: readonly AnomalyEvent[]): Promise<void> => {
    try {
      await publishEvents(sql, publisher, events, logger);
      if (publisher !== undefined && now() >= nextCatchUpMs) {
        nextCatchUpMs = now() + CATCH_UP_EVERY_MS;
        await publishUnpublished(sql, publisher, logger);
      }
    } catch (error) {
      logger.warn({ err: error }, 'alerts: publishing after commit failed; the outbox keeps them');
    }
  };
}
