/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL, or, when it is unset, to the
 * local stack's embedded database under LOCAL_DATA_DIR (started for the duration of the command).
 */
import { loadLocalStackConfig } from '../shared/config/local-stack-config.js';
import { applyMigrations } from './apply-migrations.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './local-stack/embedded-database.js';
import { runCli } from './run-cli.js';

await runCli('migrate', process.env, async (config, logger) => {
  const stack = loadLocalStackConfig(process.env);
  let embedded: EmbeddedDatabase | undefined;
  try {
    let databaseUrl = config.DATABASE_URL;
    if (databaseUrl === undefined) {
      logger.info(
        { data_dir: stack.postgresDir },
        'DATABASE_URL is not set: migrating the local embedded database',
      );
      embedded = await startEmbeddedDatabase({ dataDir: stack.postgresDir });
      databaseUrl = embedded.url;
    }
    await applyMigrations(databaseUrl, config, logger);
  } finally {
    await embedded?.stop();
  }
});
