import postgres from 'postgres';
import type { Config } from '../config/config.js';
import { requireDatabaseUrl } from '../config/config.js';

export type Sql = postgres.Sql;

export interface SqlOptions {
  /** Server settings for every connection of this pool (e.g. `{ jit: 'off' }` for the API). */
  connection?: Record<string, string>;
}

/**
 * libpq's convention for Unix sockets, which Cloud SQL documents:
 * `postgres://USER:PASSWORD@/DATABASE?host=/cloudsql/PROJECT:REGION:INSTANCE`. The postgres client
 * would send `host` to the server as a setting, so it is taken out of the URL and given as the host,
 * which the client then treats as a socket directory.
 */
export function socketTarget(databaseUrl: string): { url: string; host?: string } {
  const match = /([?&])host=([^&]*)/.exec(databaseUrl);
  const host = match?.[2] === undefined ? undefined : decodeURIComponent(match[2]);
  if (match === null || host === undefined || !host.startsWith('/')) return { url: databaseUrl };
  const url = databaseUrl
    .replace(match[0], match[1] === '?' ? '?' : '')
    .replace('?&', '?')
    .replace(/\?$/, '')
    // An empty host is valid for libpq but not for URL parsers.
    .replace(/@\//, '@localhost/');
  return { url, host };
}

/**
 * One pool per function instance. Serverless instances come and go, so the pool is small and
 * connections are recycled; the connect timeout is short so a database outage becomes a fast
 * error instead of a hanging request.
 */
export function createSql(
  config: Pick<Config, 'DATABASE_URL' | 'DB_POOL_MAX' | 'DB_CONNECT_TIMEOUT_SECONDS'> &
    Partial<Pick<Config, 'DATABASE_PASSWORD'>>,
  { connection = {} }: SqlOptions = {},
): Sql {
  const { url, host } = socketTarget(requireDatabaseUrl(config));
  return postgres(url, {
    ...(host === undefined ? {} : { host }),
    ...(config.DATABASE_PASSWORD === undefined ? {} : { password: config.DATABASE_PASSWORD }),
    max: config.DB_POOL_MAX,
    idle_timeout: 30,
    max_lifetime: 30 * 60,
    connect_timeout: config.DB_CONNECT_TIMEOUT_SECONDS,
    // postgres.js otherwise waits up to 20 s between reconnect attempts after failed connects,
    // holding every query meanwhile: in an outage each request hung for up to 20 s, and as long
    // again once the database was back. A request is its own retry unit (Pub/Sub redelivers,
    // clients retry): connect at once, fail fast.
    backoff: false,
    connection: { application_name: 'market-data-platform', ...connection },
    onnotice: () => undefined,
  });
}
