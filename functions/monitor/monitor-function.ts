import type { MonitorConfig } from '../../shared/config/function-config.js';
import { alertPublisherFor } from '../../shared/alerts/alert-publisher.js';
import { createSql } from '../../shared/db/client.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createMonitorHandler } from './monitor.handler.js';

/** The monitor function as deployed: its own pool, publisher and logger, once per instance. */
export function createMonitorFunction(config: MonitorConfig) {
  return createMonitorHandler({
    sql: createSql(config),
    logger: createLogger({ level: config.LOG_LEVEL, base: { function: 'monitor' } }),
    publisher: alertPublisherFor(config),
    check: {
      intervalSeconds: config.INGESTION_INTERVAL_SECONDS,
      staleAfterIntervals: config.ALERT_STALE_AFTER_INTERVALS,
    },
  });
}
