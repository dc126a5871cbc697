import { getRequestListener } from '@hono/node-server';
import { defaultThresholds } from '../../shared/alerts/alert-rules.js';
import type { ApiConfig } from '../../shared/config/function-config.js';
import { createSql } from '../../shared/db/client.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createApp } from './app.js';
import { answerUnbuildableRequest } from './lib/unbuildable-request.js';

/**
 * The api function as deployed: the Hono app behind the Functions Framework. The framework has
 * already read the body (req.rawBody); @hono/node-server hands that buffer to Hono.
 */
export function createApiFunction(config: ApiConfig) {
  const logger = createLogger({ level: config.LOG_LEVEL, base: { function: 'api' } });
  // JIT compilation makes these short queries several times slower.
  const connection = { jit: 'off' };
  const app = createApp({
    sql: createSql(config, { connection }),
    replicaSql:
      config.DATABASE_READ_URL === undefined
        ? undefined
        : createSql({ ...config, DATABASE_URL: config.DATABASE_READ_URL }, { connection }),
    replicaMaxLagSeconds: config.DATABASE_READ_MAX_LAG_SECONDS,
    replicaCheckIntervalMs: config.DATABASE_READ_CHECK_SECONDS * 1000,
    logger,
    bodyLimitBytes: config.API_BODY_LIMIT_BYTES,
    ingestionIntervalSeconds: config.INGESTION_INTERVAL_SECONDS,
    healthTimeoutMs: config.API_HEALTH_TIMEOUT_MS,
    requireApiKey: config.REQUIRE_API_KEY,
    corsAllowedOrigins: config.CORS_ALLOWED_ORIGINS,
    streamMaxClients: config.STREAM_MAX_CLIENTS,
    streamMaxSeconds: config.STREAM_MAX_SECONDS,
    streamQueueLimit: config.STREAM_CLIENT_QUEUE_LIMIT,
    rateLimitsEnabled: config.RATE_LIMITS_ENABLED,
    rateLimitPerMinute: {
      read: config.RATE_LIMIT_READ_PER_MINUTE,
      admin: config.RATE_LIMIT_ADMIN_PER_MINUTE,
      anonymous: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
    },
    rateLimitBatch: config.RATE_LIMIT_BATCH,
    trustedProxyHops: config.API_TRUSTED_PROXY_HOPS,
    alertDefaults: defaultThresholds(config),
  });
  return getRequestListener(app.fetch, { errorHandler: answerUnbuildableRequest(logger) });
}
