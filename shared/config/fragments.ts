import { z } from 'zod';
import { alertRouteSchema, emailListSchema } from './alert-routes.js';
import { corsOriginsSchema } from './cors-origins.js';
import { DEFAULT_SYMBOLS_VALUE, symbolListSchema } from './default-symbols.js';
import { intervalListSchema } from './interval-list.js';
import {
  databaseUrl,
  hostPort,
  httpUrl,
  integer,
  oneOf,
  port,
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

/** A streaming read replica of the database, for the api's reads (docs/deploy.md). */
export const readReplicaFragment = {
  /** Unset: every read goes to DATABASE_URL. DATABASE_PASSWORD applies to it too. */
  DATABASE_READ_URL: databaseUrl.optional(),
  /** Reads fall back to the primary while the replica is further behind than this. */
  DATABASE_READ_MAX_LAG_SECONDS: integer(1, 3_600).default(10),
  /** How often the replica's lag is checked, by the reads themselves (in the background). */
  DATABASE_READ_CHECK_SECONDS: integer(1, 300).default(5),
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

/** The topic each anomaly event is published to (shared/alerts/alert-message.ts) and deliver-alerts
 * is triggered by; any team may subscribe to it too. */
export const alertsTopicFragment = {
  ALERTS_TOPIC: pubsubName.default('alerts'),
};

/**
 * How long raw trades are kept: the maintenance run (POST /maintenance on ingest, hourly) drops each
 * month of `trades` entirely older than this. Unset keeps every trade. Stored candles are kept
 * whatever it says.
 */
export const retentionFragment = {
  TRADES_RETENTION_DAYS: integer(1, 36_500).optional(),
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
  /** true: requests are limited per key and per client IP, across instances (counters in the
   * database). Off by default, like REQUIRE_API_KEY, and on in the Cloud Build deploy. */
  RATE_LIMITS_ENABLED: oneOf(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  /** Requests per minute of a read key, unless the key has its own (`keys create --rate N`). */
  RATE_LIMIT_READ_PER_MINUTE: integer(1, 10_000_000).default(600),
  /** Requests per minute of an admin key, unless the key has its own. */
  RATE_LIMIT_ADMIN_PER_MINUTE: integer(1, 10_000_000).default(1_200),
  /** Requests per minute of each client IP calling without a valid key. */
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: integer(1, 10_000_000).default(120),
  /** Requests an instance first reserves for a caller in a minute (a tenth of the limit at most);
   * each next reservation doubles, up to a tenth of the limit. */
  RATE_LIMIT_BATCH: integer(1, 10_000).default(20),
  /** Which X-Forwarded-For entry, from the right, is the client: 1 behind Google's front end,
   * 2 behind an external Application Load Balancer, 0 the TCP peer (docs/deploy.md). */
  API_TRUSTED_PROXY_HOPS: integer(0, 10).default(1),
};

/**
 * Where and how the deliver-alerts function sends alerts (README "Alerts"). Each channel is on
 * when its address is set: the webhook with ALERT_WEBHOOK_URL, e-mail with ALERT_SMTP_HOST.
 * The webhook URL and the SMTP password are secrets: Secret Manager in the cloud.
 */
export const alertDeliveryFragment = {
  /** A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat...). */
  ALERT_WEBHOOK_URL: httpUrl
    .meta({ examples: ['https://hooks.slack.com/services/T000/B000/XXXX'] })
    .optional(),
  /** The dashboard page each alert links to, with the alert's symbol in its fragment. */
  ALERT_DASHBOARD_URL: httpUrl
    .meta({ examples: ['https://api-abc123-ew.a.run.app/dashboard'] })
    .optional(),
  ALERT_SMTP_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/, 'must be a host name or address (smtp.example.com)')
    .meta({ examples: ['smtp.example.com'] })
    .optional(),
  ALERT_SMTP_PORT: port.default(587),
  /** starttls: plain connection upgraded (and required) by STARTTLS, port 587; implicit: TLS from
   * the first byte, port 465; none: no TLS at all (a local test server only). */
  ALERT_SMTP_TLS: oneOf(['starttls', 'implicit', 'none']).default('starttls'),
  /** false accepts a certificate that does not verify (a self-signed test server): never in production. */
  ALERT_SMTP_TLS_REJECT_UNAUTHORIZED: oneOf(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  ALERT_SMTP_USER: z.string().min(1).optional(),
  ALERT_SMTP_PASSWORD: z.string().min(1).optional(),
  ALERT_EMAIL_FROM: z
    .email({ error: 'must be an e-mail address' })
    .meta({ examples: ['alerts@example.com'] })
    .optional(),
  ALERT_EMAIL_TO: emailListSchema.meta({ examples: ['ops@example.com'] }).optional(),
  /** How long one webhook request or SMTP step may take. */
  ALERT_CHANNEL_TIMEOUT_MS: integer(100, 120_000).default(10_000),
  ALERT_ROUTE_WARNING: alertRouteSchema.meta({ examples: ['webhook'] }).prefault('webhook'),
  ALERT_ROUTE_CRITICAL: alertRouteSchema
    .meta({ examples: ['webhook,email'] })
    .prefault('webhook,email'),
  /** An alert of a (symbol, kind) sent less than this long after the last one is suppressed; 0: never. */
  ALERT_COOLDOWN_SECONDS: integer(0, 7 * 24 * 3600).default(300),
};

/** A positive decimal threshold, from its text. */
const positive = (rule: string) => z.coerce.number({ error: rule }).positive(rule);

/**
 * The anomaly rules' default thresholds: the ones a symbol may override (PUT /admin/alert-rules).
 * Persist and the monitor apply them; the api shows them (GET /admin/alert-rules), so all three
 * read them from this one fragment, with the same rules and defaults.
 */
export const alertThresholdsFragment = {
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
  /** ingest_lag: seconds from Pub/Sub's publish time to the batch being stored. */
  ALERT_INGEST_LAG_SECONDS: positive('must be a positive number of seconds').default(30),
  /** stale_feed: no trade for this many ingestion intervals. */
  ALERT_STALE_AFTER_INTERVALS: integer(1, 1_000).default(3),
};

/**
 * The anomaly rules' settings and the topic each new anomaly event is published to. Read by
 * persist (per-trade and per-candle rules) and the monitor function (stale feeds, and the outbox's
 * catch-up).
 */
export const alertsFragment = {
  ...alertThresholdsFragment,
  ALERT_RSI_WINDOW: integer(2, 200).default(14),
  /** The candle intervals rsi_extreme watches, comma-separated (the /candles grammar); `none`: none. */
  ALERT_RSI_INTERVALS: intervalListSchema.meta({ examples: ['1m,5m', 'none'] }).prefault('1m'),
  ...alertsTopicFragment,
};
