/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL, or, when it is unset, to the
 * local stack's embedded database under .data/ (started for the duration of the command).
 */
import { loadConfig } from '../shared/config/config.js';
import { loadLocalStackConfig } from '../shared/config/local-stack-config.js';
import { createSql } from '../shared/db/client.js';
import { loadMigrations, migrate } from '../shared/db/migrate.js';
import { createLogger } from '../shared/logging/logger.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './local-stack/embedded-database.js';

const config = loadConfig(process.env);
const stack = loadLocalStackConfig(process.env);
const logger = createLogger({ level: config.LOG_LEVEL, base: { component: 'migrate' } });

let embedded: EmbeddedDatabase | undefined;
let databaseUrl = config.DATABASE_URL;
if (databaseUrl === undefined) {
  logger.info(
    { data_dir: stack.dataDir },
    'DATABASE_URL is not set: migrating the local embedded database',
  );
  embedded = await startEmbeddedDatabase({ dataDir: stack.postgresDir });
  databaseUrl = embedded.url;
}
const sql = createSql({ ...config, DATABASE_URL: databaseUrl, DB_POOL_MAX: 1 });
try {
  const applied = await migrate(sql, await loadMigrations());
  logger.info(
    { applied },
    applied.length === 0 ? 'schema is up to date' : `applied ${applied.length} migration(s)`,
  );
} catch (error) {
  logger.error({ err: error }, 'migration failed; the schema is unchanged');
  process.exitCode = 1;
} finally {
  await sql.end({ timeout: 5 });
  await embedded?.stop();
}
