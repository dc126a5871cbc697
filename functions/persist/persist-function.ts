import type { PersistConfig } from '../../shared/config/function-config.js';
import { PERSIST_CONNECTION_SETTINGS } from '../../shared/candles/candle-cache.js';
import { createSql } from '../../shared/db/client.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createPersistHandler } from './persist.handler.js';

/** The persist function as deployed: its own pool and logger, created once per instance. */
export function createPersistFunction(config: PersistConfig) {
  return createPersistHandler({
    sql: createSql(config, { connection: PERSIST_CONNECTION_SETTINGS }),
    logger: createLogger({ level: config.LOG_LEVEL, base: { function: 'persist' } }),
  });
}
