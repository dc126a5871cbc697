import type { Sql } from '../../shared/db/client.js';
import type { Logger } from '../../shared/logging/logger.js';

/** What the API's handlers need; tests pass their own. */
export interface ApiDeps {
  sql: Sql;
  logger: Logger;
  /** Largest accepted request body; larger is a 413. */
  bodyLimitBytes?: number;
  /** The scheduler's interval: ingestion is stale after three of them without a trade. */
  ingestionIntervalSeconds?: number;
  /** How long /health waits for the database before answering 503. */
  healthTimeoutMs?: number;
}

/** Hono's environment for this app: per-request variables set by the middleware. */
export interface AppEnv {
  Variables: { requestId: string };
}
