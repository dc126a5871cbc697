import type { Config } from '../../shared/config/config.js';
import type { LocalStackConfig } from '../../shared/config/local-stack-config.js';
import type { Logger } from '../../shared/logging/logger.js';
import { applyMigrations } from '../apply-migrations.js';
import { runningEmbeddedDatabaseUrl } from '../local-stack/embedded-database.js';
import { openLocalDatabase, type LocalDatabase } from '../local-stack/local-database.js';

/**
 * The database `npm run keys` works on: DATABASE_URL when set (its schema is left alone: the
 * deploy migrates it). Otherwise the local stack's embedded database: the server `npm start` is
 * running when there is one, since a second server cannot open the same data directory; else one
 * started for the command and migrated, so a key can be made before the first `npm start`.
 */
export async function openKeysDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'DB_CONNECT_TIMEOUT_SECONDS'>,
  stack: Pick<LocalStackConfig, 'postgresDir'>,
  logger: Logger,
): Promise<LocalDatabase> {
  if (config.DATABASE_URL === undefined) {
    const url = await runningEmbeddedDatabaseUrl(stack.postgresDir);
    if (url !== undefined) {
      logger.info('using the embedded PostgreSQL of the running local stack');
      return { url, stop: () => Promise.resolve() };
    }
  }
  const database = await openLocalDatabase(config, stack, logger);
  if (config.DATABASE_URL === undefined) {
    try {
      await applyMigrations(database.url, config, logger);
    } catch (error) {
      await database.stop();
      throw error;
    }
  }
  return database;
}
