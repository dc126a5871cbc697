import { z } from 'zod';
import { parseEnv, type Env } from './config.js';

const pubsubName = z
  .string()
  .regex(/^(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/, 'must be a valid Pub/Sub name');

/** What `npm run provision` reads; every variable without a default is required. */
export const provisionSchema = z.object({
  GOOGLE_CLOUD_PROJECT: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a project id'),
  // The Pub/Sub service agent (service-NUMBER@gcp-sa-pubsub…) is named after the number, not the id.
  GOOGLE_CLOUD_PROJECT_NUMBER: z.string().regex(/^\d{6,20}$/, 'must be a project number'),
  GOOGLE_CLOUD_REGION: z.string().regex(/^[a-z]+-[a-z]+\d+$/, 'must be a region (europe-west1)'),
  PUBSUB_TOPIC: pubsubName.default('trades'),
  PUBSUB_DEAD_LETTER_TOPIC: pubsubName.default('trades-dlq'),
  PUBSUB_DEAD_LETTER_SUBSCRIPTION: pubsubName.default('trades-dlq-sub'),
  // Pub/Sub accepts 5 to 100.
  PUBSUB_MAX_DELIVERY_ATTEMPTS: z.coerce.number().int().min(5).max(100).default(10),
  PERSIST_FUNCTION_NAME: z.string().min(1).default('persist'),
  INGEST_URL: z.url({ protocol: /^https?$/ }),
  SCHEDULER_SERVICE_ACCOUNT: z.email(),
  SCHEDULER_JOB_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,500}$/, 'must be letters, digits, - or _')
    .default('ingest-every-minute'),
  SCHEDULER_TIME_ZONE: z.string().min(1).default('Etc/UTC'),
  PUBSUB_EMULATOR_HOST: z
    .string()
    .regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port')
    .optional(),
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
