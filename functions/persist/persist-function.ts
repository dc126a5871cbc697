import type { PersistConfig } from '../../shared/config/function-config.js';
import { PERSIST_CONNECTION_SETTINGS } from '../../shared/candles/candle-cache.js';
import { createSql } from '../../shared/db/client.js';
import { createLogger } from '../../shared/logging/logger.js';
import { alertPublisherFor } from '../../shared/alerts/alert-publisher.js';
import { createPersistHandler } from './persist.handler.js';

/** The persist function as deployed: its own pool, logger and alerts publisher, once per instance. */
export function createPersistFunction(config: PersistConfig) {
  return createPersistHandler({
    sql: createSql(config, { connection: PERSIST_CONNECTION_SETTINGS }),
    logger: createLogger({ level: config.LOG_LEVEL, base: { function: 'persist' } }),
    alertSettings: config,
    alertPublisher: alertPublisherFor(config),
  });
}
