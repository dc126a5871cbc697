import type { Request, Response } from '@google-cloud/functions-framework';
import type { Sql } from '../../shared/db/client.js';
import { AppError } from '../../shared/http/app-error.js';
import { errorEnvelope, toAppError } from '../../shared/http/error-envelope.js';
import { REQUEST_ID_HEADER, requestIdFrom } from '../../shared/http/request-id.js';
import { withLogContext } from '../../shared/logging/log-context.js';
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
  return async function maintenance(request: Request, response: Response): Promise<void> {
    const requestId = requestIdFrom(request.get(REQUEST_ID_HEADER));
    response.set(REQUEST_ID_HEADER, requestId);
    await withLogContext({ request_id: requestId }, async () => {
      try {
        if (request.method !== 'POST') {
          response.set('Allow', 'POST');
          throw new AppError(
            405,
            'method_not_allowed',
            `${request.method} is not allowed; ${MAINTENANCE_PATH} accepts POST`,
          );
        }
        const report = await maintainTradePartitions(sql, {
          logger,
          now: now(),
          retentionDays,
        });
        response.status(200).json({ ...report, retention_days: retentionDays ?? null });
      } catch (error) {
        const appError = toAppError(error);
        if (appError.status >= 500)
          logger.error({ err: error }, `maintenance failed: ${appError.message}`);
        else logger.warn({ error: appError.code }, `maintenance refused: ${appError.message}`);
        response.status(appError.status).json(errorEnvelope(appError, requestId));
      }
    });
  };
}
