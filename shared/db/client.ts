import postgres from 'postgres';
import type { Config } from '../config/config.js';
import { requireDatabaseUrl } from '../config/config.js';

export type Sql = postgres.Sql;

export interface SqlOptions {
  /** Server settings for every connection of this pool (e.g. `{ jit: 'off' }` for the API). */
  connection?: Record<string, string>;
}

/**
 * One pool per function instance. Serverless instances come and go, so the pool is small and
 * connections are recycled; the connect timeout is short so a database outage becomes a fast
 * error instead of a hanging request.
 */
export function createSql(
  config: Pick<Config, 'DATABASE_URL' | 'DB_POOL_MAX' | 'DB_CONNECT_TIMEOUT_SECONDS'>,
  { connection = {} }: SqlOptions = {},
): Sql {
  return postgres(requireDatabaseUrl(config), {
    max: config.DB_POOL_MAX,
    idle_timeout: 30,
    max_lifetime: 30 * 60,
    connect_timeout: config.DB_CONNECT_TIMEOUT_SECONDS,
    connection: { application_name: 'market-data-platform', ...connection },
    onnotice: () => undefined,
  });
}
