import type { Config } from '../shared/config/config.js';
import { createSql } from '../shared/db/client.js';
import { loadMigrations, migrate } from '../shared/db/migrate.js';
import type { Logger } from '../shared/logging/logger.js';
import { maintainTradePartitions } from '../shared/trades/partition-maintenance.js';

/**
 * Applies pending migrations to `databaseUrl` over one short-lived connection and logs what it did,
 * then gives `trades` its monthly partitions: the ones ahead, and those of any month the default
 * partition holds (all of them, right after migration 0019 turned an unpartitioned table into the
 * default partition), moved month by month with progress lines. It never drops a month: retention
 * is the scheduled maintenance's (POST /maintenance on ingest).
 */
export async function applyMigrations(
  databaseUrl: string,
  config: Pick<Config, 'DB_CONNECT_TIMEOUT_SECONDS'>,
  logger: Logger,
): Promise<string[]> {
  const sql = createSql({ ...config, DATABASE_URL: databaseUrl, DB_POOL_MAX: 1 });
  try {
    const applied = await migrate(sql, await loadMigrations());
    logger.info(
      { applied },
      applied.length === 0
        ? 'database schema is up to date'
        : `applied ${applied.length} migration(s)`,
    );
    await maintainTradePartitions(sql, { logger });
    return applied;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
