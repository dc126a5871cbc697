import { OpenAPIHono } from '@hono/zod-openapi';
import { Registry } from 'prom-client';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { defaultThresholds } from '../../shared/alerts/alert-rules.js';
import { API_DEFAULTS } from '../../shared/config/function-config.js';
import { AppError } from '../../shared/http/app-error.js';
import type { ApiDeps, ApiSettings, AppEnv } from './app-env.js';
import { openPathMatcher, type FeatureContext } from './lib/api-feature.js';
import { sendError } from './lib/send-error.js';
import { validationError } from './lib/validation-error.js';
import { strictQuery } from './middleware/strict-query.js';
import { apiKeyAuth, apiKeyLookup } from './middleware/api-key-auth.js';
import { rateLimit } from './middleware/rate-limit.js';
import { RateLimiter } from '../../shared/rate-limits/rate-limiter.js';
import { ReadReplica } from '../../shared/db/read-replica.js';
import { corsAllowList } from './middleware/cors.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { registerMethodNotAllowed } from './middleware/method-not-allowed.js';
import { requestContext } from './middleware/request-context.js';
import { createRequestMetrics } from './middleware/request-metrics.js';
import { API_FEATURES } from './routes/index.js';
import { documentRateLimits } from './schemas/rate-limit.schemas.js';
import { documentApiKeys } from './schemas/security.schemas.js';

/** Every method but GET and HEAD may carry a body; no route reads one of any other method. */
const METHODS_WITH_BODY = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Never rate limited: load balancers and uptime checks poll /health, and a limit must not make
 * a healthy instance look down.
 */
const isRateLimitExempt = (path: string) => path === '/health';

/** The settings of `deps`, each one not given at its default (shared/config). */
function settingsOf(deps: ApiDeps): ApiSettings {
  return {
    bodyLimitBytes: API_DEFAULTS.API_BODY_LIMIT_BYTES,
    ingestionIntervalSeconds: API_DEFAULTS.INGESTION_INTERVAL_SECONDS,
    healthTimeoutMs: API_DEFAULTS.API_HEALTH_TIMEOUT_MS,
    requireApiKey: API_DEFAULTS.REQUIRE_API_KEY,
    corsAllowedOrigins: API_DEFAULTS.CORS_ALLOWED_ORIGINS,
    streamMaxClients: API_DEFAULTS.STREAM_MAX_CLIENTS,
    streamMaxSeconds: API_DEFAULTS.STREAM_MAX_SECONDS,
    streamQueueLimit: API_DEFAULTS.STREAM_CLIENT_QUEUE_LIMIT,
    rateLimitsEnabled: API_DEFAULTS.RATE_LIMITS_ENABLED,
    rateLimitPerMinute: {
      read: API_DEFAULTS.RATE_LIMIT_READ_PER_MINUTE,
      admin: API_DEFAULTS.RATE_LIMIT_ADMIN_PER_MINUTE,
      anonymous: API_DEFAULTS.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
    },
    rateLimitBatch: API_DEFAULTS.RATE_LIMIT_BATCH,
    trustedProxyHops: API_DEFAULTS.API_TRUSTED_PROXY_HOPS,
    replicaMaxLagSeconds: API_DEFAULTS.DATABASE_READ_MAX_LAG_SECONDS,
    replicaCheckIntervalMs: API_DEFAULTS.DATABASE_READ_CHECK_SECONDS * 1000,
    alertDefaults: defaultThresholds(API_DEFAULTS),
    now: Date.now,
    ...deps,
  };
}

/**
 * The API as a Hono app, independent of how it is served: the Functions Framework in the cloud,
 * `app.request()` in route tests. Its routes are the features of routes/index.ts.
 */
export function createApp(deps: ApiDeps) {
  const settings = settingsOf(deps);
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const isMissing = (parameter: string) =>
          result.target !== 'query' || c.req.query(parameter) === undefined;
        throw validationError(result.error, result.target, isMissing);
      }
      return undefined;
    },
  });

  // One registry per app, so apps created side by side (tests) never share or clash on metrics.
  const metrics = new Registry();
  app.use(
    requestContext({ logger: settings.logger, recordRequest: createRequestMetrics(metrics) }),
  );
  app.use(secureHeaders());
  // Each middleware level costs a request a few promises, which the Functions Framework's async
  // hooks make dear (docs/benchmarks.md): only what this configuration needs is registered.
  if (settings.corsAllowedOrigins.length > 0)
    app.use(corsAllowList({ allowedOrigins: settings.corsAllowedOrigins }));
  const limitBody = bodyLimit({
    maxSize: settings.bodyLimitBytes,
    onError: (c: Context<AppEnv>) =>
      sendError(
        c,
        new AppError(
          413,
          'payload_too_large',
          `Request body exceeds ${settings.bodyLimitBytes} bytes`,
        ),
      ),
  });
  // Checking the body builds a full fetch Request, which a GET or HEAD has no body to need.
  app.on(METHODS_WITH_BODY, '*', limitBody);
  const isOpen = openPathMatcher(API_FEATURES.flatMap((feature) => feature.openPaths ?? []));
  app.use(apiKeyLookup({ sql: settings.sql }));
  if (settings.rateLimitsEnabled)
    app.use(
      rateLimit({
        // Reservations are writes: the primary's pool.
        limiter: new RateLimiter({
          sql: settings.sql,
          logger: settings.logger,
          batch: settings.rateLimitBatch,
          now: settings.now,
        }),
        perMinute: settings.rateLimitPerMinute,
        trustedProxyHops: settings.trustedProxyHops,
        isExempt: isRateLimitExempt,
      }),
    );
  if (settings.requireApiKey) app.use(apiKeyAuth({ requireApiKey: true, isOpen }));
  app.use(strictQuery(app));

  const readReplica =
    settings.replicaSql === undefined
      ? undefined
      : new ReadReplica({
          primary: settings.sql,
          replica: settings.replicaSql,
          logger: settings.logger,
          maxLagSeconds: settings.replicaMaxLagSeconds,
          checkIntervalMs: settings.replicaCheckIntervalMs,
        });
  const primary = settings.sql;
  const context: FeatureContext = {
    ...settings,
    reader: readReplica === undefined ? () => primary : () => readReplica.reader(),
    readReplica,
    metrics,
    index: Object.assign({}, ...API_FEATURES.map((feature) => feature.index ?? {})) as Record<
      string,
      string
    >,
  };
  for (const feature of API_FEATURES) feature.register(app, context);
  documentApiKeys(app, { requireApiKey: settings.requireApiKey, isOpen });
  documentRateLimits(app, { enabled: settings.rateLimitsEnabled, isExempt: isRateLimitExempt });
  registerMethodNotAllowed(app);
  app.notFound(notFoundHandler);
  app.onError(errorHandler({ logger: settings.logger }));
  return app;
}
