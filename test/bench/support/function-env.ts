import type { BenchDatabase } from './bench-database.js';

/**
 * The environment of a function the bench starts: the run's database, and NODE_ENV=production as
 * the Cloud Functions runtime sets it (Express and the Functions Framework take faster paths).
 */
export function functionEnv(
  db: Pick<BenchDatabase, 'url'>,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: db.url,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    ...extra,
  };
}
