import type { Sql } from '../../shared/db/client.js';
import { scheduledPostHandler } from '../../shared/http/scheduled-post-handler.js';
import type { Logger } from '../../shared/logging/logger.js';
import { maintainTradePartitions } from '../../shared/trades/partition-maintenance.js';

/**
 * The path of ingest that Cloud Scheduler's maintenance job calls (infra/provision/
 * maintenance-job.ts; locally the local scheduler): the same function, identity and invoker grant
 * as the ingest job, on its own schedule.
 */
export const MAINTENANCE_PATH = '/maintenance';

export interface MaintenanceHandlerDeps {
  sql: Sql;
  logger: Logger;
  retentionDays: number | undefined;
  now?: () => Date;
}

/**
 * POST /maintenance: keeps the partitions of `trades` (shared/trades/partition-maintenance.ts) and
 * answers what it created and dropped. It takes no body: what it does follows from the clock, the
 * table and TRADES_RETENTION_DAYS.
 */
export function createMaintenanceHandler({
  sql,
  logger,
  retentionDays,
  now = () => new Date(),
}: MaintenanceHandlerDeps) {
  return scheduledPostHandler({ name: 'maintenance', logger }, async () => {
    const report = await maintainTradePartitions(sql, {
      logger,
      now: now(),
      retentionDays,
    });
    return { ...report, retention_days: retentionDays ?? null };
  });
}
