import type { Sql } from '../db/client.js';
import type { Logger } from '../logging/logger.js';
import type { AlertPublisher } from './alert-publisher.js';
import { eventColumns, eventOf, type AnomalyEvent, type EventRow } from './anomalies.queries.js';

/** Events left unpublished (a crash or a Pub/Sub failure after commit) taken per catch-up. */
const CATCH_UP_LIMIT = 100;

/**
 * Publishes events recorded by a committed transaction, then marks those Pub/Sub accepted. One that
 * fails stays unpublished for the next catch-up (publishUnpublished): the outbox delivers each
 * event at least once, and consumers deduplicate on (anomalyId, event).
 */
export async function publishEvents(
  sql: Sql,
  publisher: AlertPublisher | undefined,
  events: readonly AnomalyEvent[],
  logger: Logger,
  { logEach = true }: { logEach?: boolean } = {},
): Promise<number> {
  if (events.length === 0) return 0;
  // Detection logs at INFO; delivery (the alerts function) logs the WARNING lines.
  if (logEach)
    for (const { message } of events)
      logger.info(
        {
          anomaly_id: message.anomalyId,
          kind: message.kind,
          alert_severity: message.severity,
          event: message.event,
          symbol: message.symbol,
        },
        `anomaly ${message.event}: ${message.summary}`,
      );
  if (publisher === undefined) return 0;
  const settled = await Promise.allSettled(events.map((event) => publisher.publish(event.message)));
  const published = events.filter((_, i) => settled[i]?.status === 'fulfilled');
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure !== undefined)
    logger.warn(
      { err: failure.reason, unpublished: events.length - published.length },
      'alerts: publishing failed; the next batch or check publishes them again',
    );
  if (published.length > 0)
    await sql`
      update anomaly_events set published_at = now()
      where id = any(${published.map((event) => event.eventId)}::bigint[])`;
  return published.length;
}

/**
 * Publishes the events a crash or a failed publish left behind, oldest first, those recorded at
 * least `minAgeSeconds` ago (younger ones are still being published by their own transaction).
 */
export async function publishUnpublished(
  sql: Sql,
  publisher: AlertPublisher | undefined,
  logger: Logger,
  { minAgeSeconds = 10 }: { minAgeSeconds?: number } = {},
): Promise<number> {
  if (publisher === undefined) return 0;
  const rows = await sql<EventRow[]>`
    select ${eventColumns(sql)}
    from anomaly_events e join anomalies a on a.id = e.anomaly_id
    where e.published_at is null and e.at < now() - make_interval(secs => ${minAgeSeconds})
    order by e.id
    limit ${CATCH_UP_LIMIT}`;
  if (rows.length === 0) return 0;
  logger.info({ events: rows.length }, 'alerts: publishing events left unpublished');
  // Each was logged when it was detected.
  return publishEvents(sql, publisher, rows.map(eventOf), logger, { logEach: false });
}
