import { z } from 'zod';
import {
  apiFragment,
  databaseFragment,
  ingestionFragment,
  loggingFragment,
  pubsubFragment,
  readReplicaFragment,
  sourcesFragment,
} from './fragments.js';
import { parseEnv, type Env } from './parse-env.js';

/**
 * Each function's configuration: the fragments it reads and nothing else, so a bad value of a
 * variable stops only the functions that read it.
 */

/** What the api reads: the database, logging, its own limits and access rules, and the ingestion
 * interval, by which it judges staleness. */
export const apiConfigSchema = z.object({
  ...databaseFragment,
  ...readReplicaFragment,
  ...loggingFragment,
  ...apiFragment,
  INGESTION_INTERVAL_SECONDS: ingestionFragment.INGESTION_INTERVAL_SECONDS,
});

/** What ingest reads: the database, logging, where to publish, how to generate trades and where
 * to fetch real ones. */
export const ingestConfigSchema = z.object({
  ...databaseFragment,
  ...loggingFragment,
  ...pubsubFragment,
  ...ingestionFragment,
  ...sourcesFragment,
});

/** What persist reads: the database and logging. */
export const persistConfigSchema = z.object({ ...databaseFragment, ...loggingFragment });

export type ApiConfig = z.infer<typeof apiConfigSchema>;
export type IngestConfig = z.infer<typeof ingestConfigSchema>;
export type PersistConfig = z.infer<typeof persistConfigSchema>;

/**
 * The api's configuration, read from `env` (tests pass their own).
 *
 * @throws ConfigError naming the first missing or invalid variable.
 */
export function loadApiConfig(env: Env = process.env): ApiConfig {
  return parseEnv(apiConfigSchema, env);
}

/**
 * The ingest function's configuration, read from `env` (tests pass their own).
 *
 * @throws ConfigError naming the first missing or invalid variable.
 */
export function loadIngestConfig(env: Env = process.env): IngestConfig {
  return parseEnv(ingestConfigSchema, env);
}

/**
 * The persist function's configuration, read from `env` (tests pass their own).
 *
 * @throws ConfigError naming the first missing or invalid variable.
 */
export function loadPersistConfig(env: Env = process.env): PersistConfig {
  return parseEnv(persistConfigSchema, env);
}

/**
 * The api's settings when nothing is set: what code that builds the app without an environment
 * (tests calling `createApp({ sql, logger })`) falls back to, so each default is written once.
 *
 * @example createApp({ sql, logger }) // body limit API_DEFAULTS.API_BODY_LIMIT_BYTES
 */
export const API_DEFAULTS: Readonly<ApiConfig> = Object.freeze(loadApiConfig({}));
