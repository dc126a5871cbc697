/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL, or, when it is unset, to the
 * local stack's embedded database under LOCAL_DATA_DIR (started for the duration of the command).
 */
import { loadDatabaseCliConfig } from '../shared/config/database-cli-config.js';
import { applyMigrations } from './apply-migrations.js';
import { openLocalDatabase } from './local-stack/local-database.js';
import { runCli } from './run-cli.js';

const cli = { name: 'migrate', command: 'npm run migrate', load: loadDatabaseCliConfig };

await runCli(cli, process.env, async (config, logger) => {
  const database = await openLocalDatabase(config, config.stack, logger);
  try {
    await applyMigrations(database.url, config, logger);
  } finally {
    await database.stop();
  }
});
