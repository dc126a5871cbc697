import { publishEvents, publishUnpublished } from '../../shared/alerts/alert-outbox.js';
import type { AlertPublisher } from '../../shared/alerts/alert-publisher.js';
import { checkStaleFeeds, type StaleCheck } from '../../shared/alerts/stale-feeds.js';
import type { Sql } from '../../shared/db/client.js';
import { scheduledPostHandler } from '../../shared/http/scheduled-post-handler.js';
import type { Logger } from '../../shared/logging/logger.js';

export interface MonitorDeps {
  sql: Sql;
  logger: Logger;
  publisher?: AlertPublisher | undefined;
  check: StaleCheck;
}

/**
 * The monitor HTTP function, called by Cloud Scheduler with POST (any body): the checks nothing
 * arriving would trigger. Opens and closes stale-feed episodes, publishes their events, then
 * publishes any event the outbox still holds (a crash or a Pub/Sub failure after a commit).
 * A function of its own, not a step of ingest: a feed that goes quiet because ingest fails must
 * still be found.
 */
export function createMonitorHandler({ sql, logger, publisher, check }: MonitorDeps) {
  return scheduledPostHandler({ name: 'monitor', logger }, async () => {
    const events = await checkStaleFeeds(sql, check);
    const published = await publishEvents(sql, publisher, events, logger);
    // Its own events are marked already; what is left is older.
    const caughtUp = await publishUnpublished(sql, publisher, logger);
    const summary = {
      stale_opened: events.filter((e) => e.message.event === 'detected').length,
      stale_recovered: events.filter((e) => e.message.event === 'recovered').length,
      events_published: published + caughtUp,
    };
    logger.info(summary, 'monitor: stale feeds checked');
    return summary;
  });
}
