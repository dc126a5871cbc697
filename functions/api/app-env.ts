import type { AlertThresholds } from '../../shared/alerts/alert-rules.js';
import type { ApiKeyIdentity } from '../../shared/auth/api-key-store.js';
import type { Sql } from '../../shared/db/client.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { RateLimitsPerMinute } from './middleware/rate-limit.js';

/** The api's settings, every one resolved (from the environment, or shared/config's defaults). */
export interface ApiSettings {
  /** The primary: writes, admin routes, rate limits, and reads when there is no replica. */
  sql: Sql;
  /** A streaming read replica (DATABASE_READ_URL) for the read routes, when there is one. */
  replicaSql?: Sql | undefined;
  /** Reads fall back to the primary when the replica is further behind than this. */
  replicaMaxLagSeconds: number;
  /** How often the replica's lag is checked (by reads, in the background). */
  replicaCheckIntervalMs: number;
  logger: Logger;
  /** Largest accepted request body; larger is a 413. */
  bodyLimitBytes: number;
  /** The scheduler's interval: ingestion is stale after three of them without a trade. */
  ingestionIntervalSeconds: number;
  /** How long /health waits for the database before answering 503. */
  healthTimeoutMs: number;
  /** true: the read routes need an API key too; admin routes always need an admin key. */
  requireApiKey: boolean;
  /** Browser origins allowed to call the api (`*`: any); none by default. */
  corsAllowedOrigins: string[];
  /** Open /stream connections this instance serves at most. */
  streamMaxClients: number;
  /** How long a /stream connection lasts before it ends, saying to reconnect. */
  streamMaxSeconds: number;
  /** Trades waiting for a slow /stream reader before it is cut off. */
  streamQueueLimit: number;
  /** true: requests are limited per key and client IP (middleware/rate-limit.ts). */
  rateLimitsEnabled: boolean;
  /** Requests per minute by role, and per client IP without a valid key. */
  rateLimitPerMinute: RateLimitsPerMinute;
  /** Most requests an instance reserves for a caller at once. */
  rateLimitBatch: number;
  /** Which X-Forwarded-For entry, from the right, is the client (lib/client-ip.ts). */
  trustedProxyHops: number;
  /** The anomaly rules' default thresholds (ALERT_*), which persist and the monitor apply to every
   * symbol without an override: GET /admin/alert-rules shows them and each symbol's in force. */
  alertDefaults: AlertThresholds;
  /** The clock candle buckets close by: Date.now, except in tests that move it. */
  now: () => number;
}

/** What createApp() needs: a pool and a logger; the rest defaults as shared/config says. */
export type ApiDeps = Pick<ApiSettings, 'sql' | 'logger'> &
  Partial<Omit<ApiSettings, 'sql' | 'logger'>>;

/** The caller's API key: none sent, one that matches no key in force, or whose key it is. */
export type ApiKeyLookup =
  { state: 'missing' } | { state: 'unknown' } | { state: 'valid'; key: ApiKeyIdentity };

/** Hono's environment for this app: per-request variables set by the middleware. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** Looks the X-API-Key header up once per request, on first use. */
    apiKey: () => Promise<ApiKeyLookup>;
  };
}
