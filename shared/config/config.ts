import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { corsOriginsSchema } from './cors-origins.js';
import { DEFAULT_SYMBOLS_VALUE, symbolListSchema } from './default-symbols.js';

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const databaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL');

const hostPort = z.string().regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port');

/** Pub/Sub resource names: 3–255 chars, start with a letter, no "goog" prefix. */
const pubsubName = z
  .string()
  .regex(
    /^(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/,
    'must be a valid Pub/Sub name (3-255 chars, starting with a letter)',
  );

/** Every variable the functions read, with its default. `.env.example` documents each. */
export const configSchema = z.object({
  DATABASE_URL: databaseUrl.optional(),
  /** Overrides the URL's password: in the cloud it comes from Secret Manager, the URL from plain env. */
  DATABASE_PASSWORD: z.string().min(1).optional(),
  GOOGLE_CLOUD_PROJECT: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be a project id')
    .default('local'),
  PUBSUB_TOPIC: pubsubName.default('trades'),
  PUBSUB_EMULATOR_HOST: hostPort.optional(),
  PUBSUB_DIRECT_PUSH_URL: z.url({ protocol: /^https?$/ }).optional(),
  INGESTION_INTERVAL_SECONDS: integer(1, 3600).default(3),
  INGEST_MAX_TRADES_PER_SYMBOL: integer(1, 100_000).default(1_200),
  INGEST_MAX_BACKFILL_SECONDS: integer(0, 7 * 24 * 3600).default(3600),
  INGEST_SEED: z.string().min(1).max(200).default('market-data-platform'),
  PUBLISH_BATCH_SIZE: integer(1, 5_000).default(1_000),
  DEFAULT_SYMBOLS: symbolListSchema.default(symbolListSchema.parse(DEFAULT_SYMBOLS_VALUE)),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  DB_POOL_MAX: integer(1, 100).default(5),
  DB_CONNECT_TIMEOUT_SECONDS: integer(1, 60).default(3),
  API_BODY_LIMIT_BYTES: integer(1_024, 32 * 1024 * 1024).default(1024 * 1024),
  /** true: the read routes need a key too (admin routes always need an admin key). Anything but
   * true/false stops start-up: a typo must not silently leave the api open. */
  REQUIRE_API_KEY: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
  CORS_ALLOWED_ORIGINS: corsOriginsSchema.default([]),
});

export type Config = z.infer<typeof configSchema>;
export type Env = Record<string, string | undefined>;

/**
 * Parses and validates the environment once. Empty strings count as unset, so `FOO=` in a
 * `.env` file falls back to the default instead of failing.
 *
 * @throws ConfigError naming the first invalid variable.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Env): z.infer<S> {
  const present = Object.fromEntries(
    Object.keys(schema.shape)
      .map((key) => [key, env[key]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(
      variable,
      `${issue?.message ?? 'is invalid'} (got ${JSON.stringify(env[variable])})`,
    );
  }
  return result.data;
}

/** The functions' configuration, read from `env` (tests pass their own). */
export function loadConfig(env: Env = process.env): Config {
  return parseEnv(configSchema, env);
}

/** The database URL, which every function needs but the local stack may supply itself. */
export function requireDatabaseUrl(config: Pick<Config, 'DATABASE_URL'>): string {
  if (config.DATABASE_URL === undefined) {
    throw new ConfigError(
      'DATABASE_URL',
      'is required (postgres://user:password@host:5432/database)',
    );
  }
  return config.DATABASE_URL;
}
