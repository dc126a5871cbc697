import { z } from 'zod';
import { ConfigError } from './config-error.js';
import {
  alertDeliveryFragment,
  alertsFragment,
  alertThresholdsFragment,
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

/**
 * Each function's configuration: the fragments it reads and nothing else, so a bad value of a
 * variable stops only the functions that read it.
 */

/** What the api reads: the database, logging, its own limits and access rules, the ingestion
 * interval, by which it judges staleness, and the anomaly rules' default thresholds, which
 * GET /admin/alert-rules shows as persist and the monitor apply them. */
export const apiConfigSchema = z.object({
  ...databaseFragment,
  ...readReplicaFragment,
  ...loggingFragment,
  ...apiFragment,
  INGESTION_INTERVAL_SECONDS: ingestionFragment.INGESTION_INTERVAL_SECONDS,
  ...alertThresholdsFragment,
});

/** What ingest reads: the database, logging, where to publish, how to generate trades and where
 * to fetch real ones, and how long its maintenance path keeps trades. */
export const ingestConfigSchema = z.object({
  ...databaseFragment,
  ...loggingFragment,
  ...pubsubFragment,
  ...ingestionFragment,
  ...sourcesFragment,
  ...retentionFragment,
});

/** Where anomaly events are published: the project, and the emulator locally. */
const alertsPublishing = {
  GOOGLE_CLOUD_PROJECT: pubsubFragment.GOOGLE_CLOUD_PROJECT,
  PUBSUB_EMULATOR_HOST: pubsubFragment.PUBSUB_EMULATOR_HOST,
};

/** What persist reads: the database, logging, and the anomaly rules it applies to each batch. */
export const persistConfigSchema = z.object({
  ...databaseFragment,
  ...loggingFragment,
  ...alertsFragment,
  ...alertsPublishing,
});

/** What the monitor reads: the database, logging, the rules, and the ingestion interval, by which
 * it judges a feed stale. */
export const monitorConfigSchema = z.object({
  ...databaseFragment,
  ...loggingFragment,
  ...alertsFragment,
  ...alertsPublishing,
  INGESTION_INTERVAL_SECONDS: ingestionFragment.INGESTION_INTERVAL_SECONDS,
});

/** What deliver-alerts reads: the database (delivery state, cooldowns), logging and its channels. */
export const deliverAlertsConfigSchema = z.object({
  ...databaseFragment,
  ...loggingFragment,
  ...alertDeliveryFragment,
});

export type ApiConfig = z.infer<typeof apiConfigSchema>;
export type IngestConfig = z.infer<typeof ingestConfigSchema>;
export type PersistConfig = z.infer<typeof persistConfigSchema>;
export type DeliverAlertsConfig = z.infer<typeof deliverAlertsConfigSchema>;
export type MonitorConfig = z.infer<typeof monitorConfigSchema>;

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
 * The deliver-alerts function's configuration, read from `env` (tests pass their own). Beyond each
 * variable's own rule, the e-mail settings must make a whole (a host needs a sender and recipients,
 * a user a password): a half-configured channel must not silently leave alerts undelivered. A
 * route may name a channel that is not configured (the defaults do): it is skipped, and an alert
 * left with no channel is logged.
 *
 * @throws ConfigError naming the first missing or invalid variable.
 */
export function loadDeliverAlertsConfig(env: Env = process.env): DeliverAlertsConfig {
  const config = parseEnv(deliverAlertsConfigSchema, env);
  if (config.ALERT_SMTP_HOST !== undefined) {
    if (config.ALERT_EMAIL_FROM === undefined)
      throw new ConfigError(
        'ALERT_EMAIL_FROM',
        'is required when ALERT_SMTP_HOST is set',
        'alerts@example.com',
      );
    if (config.ALERT_EMAIL_TO === undefined)
      throw new ConfigError(
        'ALERT_EMAIL_TO',
        'is required when ALERT_SMTP_HOST is set',
        'ops@example.com',
      );
  }
  if (config.ALERT_SMTP_USER !== undefined && config.ALERT_SMTP_PASSWORD === undefined)
    throw new ConfigError('ALERT_SMTP_PASSWORD', 'is required when ALERT_SMTP_USER is set');
  if (config.ALERT_SMTP_PASSWORD !== undefined && config.ALERT_SMTP_USER === undefined)
    throw new ConfigError('ALERT_SMTP_USER', 'is required when ALERT_SMTP_PASSWORD is set');
  return config;
}

/**
 * The monitor function's configuration, read from `env` (tests pass their own).
 *
 * @throws ConfigError naming the first missing or invalid variable.
 */
export function loadMonitorConfig(env: Env = process.env): MonitorConfig {
  return parseEnv(monitorConfigSchema, env);
}

/**
 * The api's settings when nothing is set: what code that builds the app without an environment
 * (tests calling `createApp({ sql, logger })`) falls back to, so each default is written once.
 *
 * @example createApp({ sql, logger }) // body limit API_DEFAULTS.API_BODY_LIMIT_BYTES
 */
export const API_DEFAULTS: Readonly<ApiConfig> = Object.freeze(loadApiConfig({}));

/** The anomaly rules' settings when nothing is set (persist built by a test without an environment). */
export const ALERT_DEFAULTS: Readonly<z.infer<z.ZodObject<typeof alertsFragment>>> = Object.freeze(
  parseEnv(z.object(alertsFragment), {}),
);
