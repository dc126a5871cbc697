import type { Request, Response } from '@google-cloud/functions-framework';
import { publishEvents, publishUnpublished } from '../../shared/alerts/alert-outbox.js';
import type { AlertPublisher } from '../../shared/alerts/alert-publisher.js';
import { checkStaleFeeds, type StaleCheck } from '../../shared/alerts/stale-feeds.js';
import type { Sql } from '../../shared/db/client.js';
import { AppError } from '../../shared/http/app-error.js';
import { errorEnvelope, toAppError } from '../../shared/http/error-envelope.js';
import { REQUEST_ID_HEADER, requestIdFrom } from '../../shared/http/request-id.js';
import { withLogContext } from '../../shared/logging/log-context.js';
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
  return async function monitor(request: Request, response: Response): Promise<void> {
    const requestId = requestIdFrom(request.get(REQUEST_ID_HEADER));
    response.set(REQUEST_ID_HEADER, requestId);
    await withLogContext({ request_id: requestId }, async () => {
      try {
        if (request.method !== 'POST') {
          response.set('Allow', 'POST');
          throw new AppError(
            405,
            'method_not_allowed',
            `${request.method} is not allowed; monitor accepts POST`,
          );
        }
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
        response.status(200).json(summary);
      } catch (error) {
        const appError = toAppError(error);
        if (appError.status >= 500)
          logger.error({ err: error }, `monitor failed: ${appError.message}`);
        else logger.warn({ error: appError.code }, `monitor request refused: ${appError.message}`);
        response.status(appError.status).json(errorEnvelope(appError, requestId));
      }
    });
  };
}
