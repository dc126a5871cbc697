import { z } from 'zod';
import { corsOriginsSchema } from './cors-origins.js';
import { DEFAULT_SYMBOLS_VALUE, symbolListSchema } from './default-symbols.js';
import { intervalListSchema } from './interval-list.js';
import {
  databaseUrl,
  hostPort,
  httpUrl,
  integer,
  oneOf,
  projectId,
  pubsubName,
} from './value-rules.js';

/**
 * The variables the functions read, in groups, each variable with its one default. A function's
 * schema is the groups it reads (function-config.ts), so a function never stops on a variable it
 * ignores. `.env.example` documents each variable.
 */

/** The database connection: every function and the database CLIs. */
export const databaseFragment = {
  DATABASE_URL: databaseUrl.optional(),
  /** Overrides the URL's password: in the cloud it comes from Secret Manager, the URL from plain env. */
  DATABASE_PASSWORD: z.string().min(1).optional(),
  DB_POOL_MAX: integer(1, 100).default(5),
  DB_CONNECT_TIMEOUT_SECONDS: integer(1, 60).default(3),
};

/** Everything that logs. */
export const loggingFragment = {
  LOG_LEVEL: oneOf(['debug', 'info', 'warn', 'error']).default('info'),
};

/** A level LOG_LEVEL accepts. */
export type LogLevel = z.output<typeof loggingFragment.LOG_LEVEL>;

/** Where ingest publishes trades. */
export const pubsubFragment = {
  GOOGLE_CLOUD_PROJECT: projectId.default('local'),
  PUBSUB_TOPIC: pubsubName.default('trades'),
  PUBSUB_EMULATOR_HOST: hostPort.optional(),
  PUBSUB_DIRECT_PUSH_URL: httpUrl.meta({ examples: ['http://127.0.0.1:8082'] }).optional(),
};

/** How ingest generates and batches trades. */
export const ingestionFragment = {
  /** The time grid trades are generated on; the api judges staleness by it too. */
  INGESTION_INTERVAL_SECONDS: integer(1, 3600).default(3),
  INGEST_MAX_TRADES_PER_SYMBOL: integer(1, 100_000).default(1_200),
  INGEST_MAX_BACKFILL_SECONDS: integer(0, 7 * 24 * 3600).default(3600),
  INGEST_SEED: z.string().min(1).max(200).default('market-data-platform'),
  PUBLISH_BATCH_SIZE: integer(1, 5_000).default(1_000),
  /** Every Nth slot of the synthetic walk jumps 8 % (and trades 8x the volume), so a local run shows
   * price and volume spikes within minutes; 0 (the default) never. Deterministic: the slot decides. */
  INGEST_SPIKE_EVERY_N_TRADES: integer(0, 1_000_000).default(0),
  // Parsed from the same text a deployer would write, so the default and a set value are read alike.
  DEFAULT_SYMBOLS: symbolListSchema
    .meta({ examples: ['AAPL:Apple Inc.,MSFT:Microsoft Corporation'] })
    .prefault(DEFAULT_SYMBOLS_VALUE),
};

/**
 * The real trade sources ingest fetches from (functions/ingest/sources/): where each provider
 * answers and how much of it one run may take.
 */
export const sourcesFragment = {
  /** Binance spot's REST API; a test points it at a local server. */
  BINANCE_BASE_URL: httpUrl
    .meta({ examples: ['https://api.binance.com'] })
    .default('https://api.binance.com'),
  /** aggTrades per request (Binance's maximum is 1,000). */
  BINANCE_PAGE_SIZE: integer(1, 1_000).default(1_000),
  /** Requests per symbol and run: a long pause is caught up over several runs. */
  BINANCE_MAX_PAGES_PER_RUN: integer(1, 1_000).default(20),
  /** A run stops asking once Binance reports this much request weight used in the current
   * minute (X-MBX-USED-WEIGHT-1M; Binance allows 6,000), leaving room for everyone else on the IP. */
  BINANCE_WEIGHT_BUDGET: integer(1, 6_000).default(3_000),
  /** How long one request to a provider may take. */
  SOURCE_HTTP_TIMEOUT_MS: integer(100, 120_000).default(10_000),
  /** Retries of a provider's 5xx or network failure within a run, after 1x, 2x, 4x… this delay. */
  SOURCE_MAX_RETRIES: integer(0, 10).default(2),
  SOURCE_RETRY_BASE_MS: integer(0, 60_000).default(1_000),
};

/** The api's limits and access rules. */
export const apiFragment = {
  API_BODY_LIMIT_BYTES: integer(1_024, 32 * 1024 * 1024).default(1024 * 1024),
  /** How long /health waits for the database before answering 503. */
  API_HEALTH_TIMEOUT_MS: integer(100, 60_000).default(1_500),
  /** true: the read routes need a key too (admin routes always need an admin key). Anything but
   * true/false stops start-up: a typo must not silently leave the api open. */
  REQUIRE_API_KEY: oneOf(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  CORS_ALLOWED_ORIGINS: corsOriginsSchema
    .meta({ examples: ['https://app.example.com'] })
    .prefault(''),
  /** Open /stream connections one instance serves; past it a new one is a 503 with Retry-After. */
  STREAM_MAX_CLIENTS: integer(1, 100_000).default(2_000),
  /** How long a /stream connection lasts before it ends, saying to reconnect: under the platform's
   * request timeout (3,600 s for the deployed api), so the end is ours and clean. */
  STREAM_MAX_SECONDS: integer(1, 3_600).default(3_300),
  /** Trades a /stream connection may have waiting for a slow reader before it is cut off. */
  STREAM_CLIENT_QUEUE_LIMIT: integer(1, 1_000_000).default(10_000),
};

/** A positive decimal threshold, from its text. */
const positive = (rule: string) => z.coerce.number({ error: rule }).positive(rule);

/**
 * The anomaly rules' default thresholds (per-symbol overrides: PUT /admin/alert-rules) and the
 * topic each new anomaly event is published to. Read by persist (per-trade and per-candle rules)
 * and the monitor function (stale feeds, and the outbox's catch-up).
 */
export const alertsFragment = {
  /** price_spike: a trade this many percent away from the previous trade or the trailing 1m VWAP. */
  ALERT_PRICE_SPIKE_PERCENT: positive('must be a positive number of percent').default(5),
  /** volume_spike: a trade, or a closed 1m candle, above this many times its trailing average. */
  ALERT_VOLUME_SPIKE_RATIO: z.coerce
    .number({ error: 'must be a ratio above 1' })
    .gt(1, 'must be a ratio above 1')
    .default(3),
  /** rsi_extreme: RSI(ALERT_RSI_WINDOW) of a closed candle entering above HIGH or below LOW. */
  ALERT_RSI_HIGH: z.coerce
    .number({ error: 'must be a number between 50 and 100' })
    .gt(50, 'must be a number between 50 and 100')
    .lt(100, 'must be a number between 50 and 100')
    .default(70),
  ALERT_RSI_LOW: z.coerce
    .number({ error: 'must be a number between 0 and 50' })
    .gt(0, 'must be a number between 0 and 50')
    .lt(50, 'must be a number between 0 and 50')
    .default(30),
  ALERT_RSI_WINDOW: integer(2, 200).default(14),
  /** The candle intervals rsi_extreme watches, comma-separated (the /candles grammar); empty: none. */
  ALERT_RSI_INTERVALS: intervalListSchema.meta({ examples: ['1m,5m'] }).prefault('1m'),
  /** ingest_lag: seconds from Pub/Sub's publish time to the batch being stored. */
  ALERT_INGEST_LAG_SECONDS: positive('must be a positive number of seconds').default(30),
  /** stale_feed: no trade for this many ingestion intervals. */
  ALERT_STALE_AFTER_INTERVALS: integer(1, 1_000).default(3),
  /** The Pub/Sub topic every anomaly event is published to (shared/alerts/alert-message.ts). */
  ALERTS_TOPIC: pubsubName.default('alerts'),
};
