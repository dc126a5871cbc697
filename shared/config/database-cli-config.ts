import { z } from 'zod';
import { databaseFragment, loggingFragment } from './fragments.js';
import { loadLocalStackConfig, type LocalStackConfig } from './local-stack-config.js';
import { parseEnv, type Env } from './parse-env.js';

/** What the database commands (`npm run migrate`, `npm run keys`) read besides the local stack's variables. */
export const databaseCliSchema = z.object({ ...databaseFragment, ...loggingFragment });

export type DatabaseCliConfig = z.infer<typeof databaseCliSchema> & {
  /** Where the embedded database lives, which they use when DATABASE_URL is unset. */
  stack: LocalStackConfig;
};

/**
 * The database commands' configuration, read from `env`.
 *
 * @throws ConfigError naming the first invalid variable.
 */
export function loadDatabaseCliConfig(env: Env = process.env): DatabaseCliConfig {
  return { ...parseEnv(databaseCliSchema, env), stack: loadLocalStackConfig(env) };
}
