/**
 * `npm run keys -- create --role admin|read [--name NAME]`, `keys -- list`, `keys -- revoke <id or
 * name>`: manages the api's keys in DATABASE_URL, or, when it is unset, in the local stack's
 * embedded database. `create` prints the new key once, on its last line.
 */
import { createSql } from '../shared/db/client.js';
import { loadDatabaseCliConfig } from '../shared/config/database-cli-config.js';
import { KeysUsageError, parseKeysArgs, type KeysCommand } from './keys/keys-args.js';
import { KeysCommandError, runKeysCommand } from './keys/keys-commands.js';
import { openKeysDatabase } from './keys/keys-database.js';
import { runCli } from './run-cli.js';

// Before any database work: a mistyped command costs nothing and prints how to call it.
let command: KeysCommand;
try {
  command = parseKeysArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof KeysUsageError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

const cli = { name: 'keys', command: 'npm run keys', load: loadDatabaseCliConfig };

await runCli(cli, process.env, async (config, logger) => {
  const database = await openKeysDatabase(config, config.stack, logger);
  const sql = createSql({ ...config, DATABASE_URL: database.url, DB_POOL_MAX: 1 });
  try {
    const lines = await runKeysCommand(sql, command);
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (error) {
    // An operator's mistake (unknown name, duplicate name) is one plain line, not a stack trace.
    if (!(error instanceof KeysCommandError)) throw error;
    process.stderr.write(`keys: ${error.message}\n`);
    process.exitCode = 1;
  } finally {
    await sql.end({ timeout: 5 });
    await database.stop();
  }
});
