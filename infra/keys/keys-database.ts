import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../shared/config/config.js';
import type { LocalStackConfig } from '../../shared/config/local-stack-config.js';
import type { Logger } from '../../shared/logging/logger.js';
import { applyMigrations } from '../apply-migrations.js';
import { openLocalDatabase, type LocalDatabase } from '../local-stack/local-database.js';

// The embedded server's local-only credentials and database (infra/local-stack/embedded-database.ts).
const EMBEDDED_CREDENTIALS = 'postgres:postgres';
const EMBEDDED_DATABASE = 'market_data';

/**
 * The database `npm run keys` works on: DATABASE_URL when set (its schema is left alone: the
 * deploy migrates it). Otherwise the local stack's embedded database: the server `npm start` is
 * running when there is one, since a second server cannot open the same data directory; else one
 * started for the command and migrated, so a key can be made before the first `npm start`.
 */
export async function openKeysDatabase(
  config: Config,
  stack: Pick<LocalStackConfig, 'postgresDir'>,
  logger: Logger,
): Promise<LocalDatabase> {
  if (config.DATABASE_URL === undefined) {
    const port = await runningServerPort(stack.postgresDir);
    if (port !== undefined) {
      logger.info({ port }, 'using the embedded PostgreSQL of the running local stack');
      return {
        url: `postgres://${EMBEDDED_CREDENTIALS}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`,
        stop: () => Promise.resolve(),
      };
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

/**
 * The port of a live PostgreSQL serving `dataDir`, from its postmaster.pid (line 1 the pid,
 * line 4 the port: PostgreSQL's documented layout); undefined when none runs.
 */
async function runningServerPort(dataDir: string): Promise<number | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, run by another user (the postgres OS user when the stack runs as root).
    if (!(error instanceof Error && 'code' in error && error.code === 'EPERM')) return undefined;
  }
  return port;
}
