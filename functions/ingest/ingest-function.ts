import type { Request, Response } from '@google-cloud/functions-framework';
import type { IngestConfig } from '../../shared/config/function-config.js';
import { createSql } from '../../shared/db/client.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createDirectPushPublisher } from '../../shared/messaging/direct-push-publisher.js';
import { createPubSubPublisher } from '../../shared/messaging/pubsub-publisher.js';
import type { TradePublisher } from '../../shared/messaging/trade-publisher.js';
import { createIngestHandler } from './ingest.handler.js';
import { createMaintenanceHandler, MAINTENANCE_PATH } from './maintenance.handler.js';

/**
 * The ingest function as deployed: its own pool, publisher and logger, created once per instance.
 * POST /maintenance keeps the trades partitions instead (maintenance.handler.ts).
 */
export function createIngestFunction(config: IngestConfig) {
  const logger = createLogger({ level: config.LOG_LEVEL, base: { function: 'ingest' } });
  let publisher: TradePublisher;
  if (config.PUBSUB_DIRECT_PUSH_URL !== undefined) {
    logger.warn(
      { url: config.PUBSUB_DIRECT_PUSH_URL },
      'PUBSUB_DIRECT_PUSH_URL is set: trades are pushed straight to persist, NOT through Pub/Sub (local fallback only)',
    );
    publisher = createDirectPushPublisher(config.PUBSUB_DIRECT_PUSH_URL);
  } else {
    publisher = createPubSubPublisher({
      projectId: config.GOOGLE_CLOUD_PROJECT,
      topic: config.PUBSUB_TOPIC,
      emulatorHost: config.PUBSUB_EMULATOR_HOST,
    });
  }
  const sql = createSql(config);
  const ingest = createIngestHandler({ sql, publisher, config, logger });
  const maintenance = createMaintenanceHandler({
    sql,
    logger,
    retentionDays: config.TRADES_RETENTION_DAYS,
  });
  return (request: Request, response: Response): Promise<void> =>
    request.path === MAINTENANCE_PATH ? maintenance(request, response) : ingest(request, response);
}
