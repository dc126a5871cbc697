import { z } from 'zod';
import { loggingFragment } from './fragments.js';
import { parseEnv, type Env } from './parse-env.js';
import { hostPort, httpUrl, integer, projectId, pubsubName } from './value-rules.js';

/** A BigQuery dataset, table or view name: letters, digits and underscores. */
const bigQueryName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,1023}$/, 'must be letters, digits or _');

/** What `npm run provision` reads; every variable without a default is required. */
export const provisionSchema = z.object({
  ...loggingFragment,
  // The functions' own rule: provisioning the emulator's project `local` is how it is tested.
  GOOGLE_CLOUD_PROJECT: projectId,
  // The Pub/Sub service agent (service-NUMBER@gcp-sa-pubsub…) is named after the number, not the id.
  GOOGLE_CLOUD_PROJECT_NUMBER: z
    .string()
    .regex(/^\d{6,20}$/, 'must be a project number (6-20 digits)')
    .meta({ examples: ['123456789012'] }),
  GOOGLE_CLOUD_REGION: z
    .string()
    .regex(/^[a-z]+-[a-z]+\d+$/, 'must be a region (europe-west1)')
    .meta({ examples: ['europe-west1'] }),
  PUBSUB_TOPIC: pubsubName.default('trades'),
  PUBSUB_DEAD_LETTER_TOPIC: pubsubName.default('trades-dlq'),
  PUBSUB_DEAD_LETTER_SUBSCRIPTION: pubsubName.default('trades-dlq-sub'),
  // Pub/Sub accepts 5 to 100.
  PUBSUB_MAX_DELIVERY_ATTEMPTS: integer(5, 100).default(10),
  PERSIST_FUNCTION_NAME: z.string().min(1).default('persist'),
  // The alerts topic, which deliver-alerts is deployed on, and its dead letters.
  ALERTS_TOPIC: pubsubName.default('alerts'),
  ALERTS_DEAD_LETTER_TOPIC: pubsubName.default('alerts-dead-letter'),
  ALERTS_DEAD_LETTER_SUBSCRIPTION: pubsubName.default('alerts-dead-letter-sub'),
  ALERTS_MAX_DELIVERY_ATTEMPTS: integer(5, 100).default(10),
  DELIVER_ALERTS_FUNCTION_NAME: z.string().min(1).default('deliver-alerts'),
  INGEST_URL: httpUrl.meta({
    examples: ['https://europe-west1-my-project.cloudfunctions.net/ingest'],
  }),
  MONITOR_URL: httpUrl.meta({
    examples: ['https://europe-west1-my-project.cloudfunctions.net/monitor'],
  }),
  MONITOR_JOB_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,500}$/, 'must be letters, digits, - or _')
    .default('monitor-every-minute'),
  SCHEDULER_SERVICE_ACCOUNT: z.email({ error: 'must be a service account email' }).meta({
    examples: ['mdp-scheduler@my-project.iam.gserviceaccount.com'],
  }),
  SCHEDULER_JOB_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,500}$/, 'must be letters, digits, - or _')
    .default('ingest-every-minute'),
  MAINTENANCE_JOB_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,500}$/, 'must be letters, digits, - or _')
    .default('maintain-trades-hourly'),
  SCHEDULER_TIME_ZONE: z.string().min(1).default('Etc/UTC'),
  PUBSUB_EMULATOR_HOST: hostPort.optional(),
  /** Opt-in: a dataset name lands every trades.v1 message in BigQuery too (docs/deploy.md). */
  BIGQUERY_DATASET: bigQueryName.meta({ examples: ['market_data'] }).optional(),
  /** The dataset's location (multi-region EU or US, or a region); default GOOGLE_CLOUD_REGION. */
  BIGQUERY_LOCATION: z
    .string()
    .regex(/^(EU|US|[a-z]+-[a-z]+\d+)$/, 'must be EU, US or a region (europe-west1)')
    .optional(),
  /** The table the subscription writes, one row per message. */
  BIGQUERY_MESSAGES_TABLE: bigQueryName.default('trades_messages'),
  /** The view over it with one row per trade, what analysts query. */
  BIGQUERY_TRADES_VIEW: bigQueryName.default('trades'),
  BIGQUERY_SUBSCRIPTION: pubsubName.default('trades-bigquery'),
});

export type ProvisionConfig = z.infer<typeof provisionSchema>;

/**
 * The provisioning configuration, read from `env` (tests pass their own).
 *
 * @throws ConfigError naming the first missing or invalid variable.
 */
export function loadProvisionConfig(env: Env = process.env): ProvisionConfig {
  return parseEnv(provisionSchema, env);
}
