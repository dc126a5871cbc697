import { z } from 'zod';
import { ConfigError } from './config-error.js';
import {
  alertDeliveryFragment,
  alertsFragment,
  alertsTopicFragment,
  apiFragment,
  databaseFragment,
  ingestionFragment,
  loggingFragment,
  pubsubFragment,
  readReplicaFragment,
  retentionFragment,
  sourcesFragment,
} from './fragments.js';
import { parseEnv, type Env } from './parse-env.js';

export { parseEnv, type Env } from './parse-env.js';

/**
 * Every variable any function reads, with its default: what the local stack validates before
 * starting all of them. A function itself reads only its own (function-config.ts).
 */
export const configSchema = z.object({
  ...databaseFragment,
  ...readReplicaFragment,
  ...loggingFragment,
  ...pubsubFragment,
  ...alertsTopicFragment,
  ...ingestionFragment,
  ...sourcesFragment,
  ...retentionFragment,
  ...apiFragment,
  ...alertsFragment,
  ...alertDeliveryFragment,
});

export type Config = z.infer<typeof configSchema>;

/**
 * Every function's configuration at once, read from `env` (tests pass their own).
 *
 * @throws ConfigError naming the first missing or invalid variable.
 */
export function loadConfig(env: Env = process.env): Config {
  return parseEnv(configSchema, env);
}

/** The database URL, which every function needs but the local stack may supply itself. */
export function requireDatabaseUrl(config: Pick<Config, 'DATABASE_URL'>): string {
  if (config.DATABASE_URL === undefined) {
    throw new ConfigError(
      'DATABASE_URL',
      'is required (postgres://user:password@host:5432/database)',
      'postgres://user:password@host:5432/database',
    );
  }
  return config.DATABASE_URL;
}
