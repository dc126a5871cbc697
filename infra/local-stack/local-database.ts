import type { Config } from '../../shared/config/config.js';
import type { LocalStackConfig } from '../../shared/config/local-stack-config.js';
import type { Logger } from '../../shared/logging/logger.js';
import { startEmbeddedDatabase } from './embedded-database.js';

export interface LocalDatabase {
  url: string;
  /** Stops the embedded server if this call started one; nothing otherwise. */
  stop(): Promise<void>;
}

/**
 * The database local commands use: DATABASE_URL when set, otherwise the embedded PostgreSQL
 * whose data lives under LOCAL_DATA_DIR (kept between runs).
 */
export async function openLocalDatabase(
  config: Pick<Config, 'DATABASE_URL'>,
  stack: Pick<LocalStackConfig, 'postgresDir'>,
  logger: Logger,
): Promise<LocalDatabase> {
  if (config.DATABASE_URL !== undefined) {
    return { url: config.DATABASE_URL, stop: () => Promise.resolve() };
  }
  logger.info(
    { data_dir: stack.postgresDir },
    'DATABASE_URL is not set: starting the embedded PostgreSQL',
  );
  const embedded = await startEmbeddedDatabase({ dataDir: stack.postgresDir });
  return { url: embedded.url, stop: () => embedded.stop() };
}
