import { OpenAPIHono } from '@hono/zod-openapi';
import { Registry } from 'prom-client';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { AppError } from '../../shared/http/app-error.js';
import type { ApiDeps, AppEnv } from './app-env.js';
import {
  errorHandler,
  notFoundHandler,
  sendError,
  validationError,
} from './middleware/error-handler.js';
import { apiKeyAuth } from './middleware/api-key-auth.js';
import { corsAllowList } from './middleware/cors.js';
import { registerMethodNotAllowed } from './middleware/method-not-allowed.js';
import { requestContext } from './middleware/request-context.js';
import { createRequestMetrics } from './middleware/request-metrics.js';
import {
  createSymbolRoute,
  deleteSymbolRoute,
  registerAdminSymbolsRoutes,
  updateSymbolRoute,
} from './routes/admin/admin-symbols.routes.js';
import { registerRejectedRoutes, rejectedRoute } from './routes/admin/rejected.routes.js';
import { candlesRoute, registerCandlesRoutes } from './routes/candles/candles.routes.js';
import { DOCS_PATH, OPENAPI_PATH, registerDocsRoutes } from './routes/docs.routes.js';
import { metricsRoute, registerMetricsRoutes } from './routes/metrics.routes.js';
import { ingestionStatusRoute, registerStatusRoutes } from './routes/status.routes.js';
import { healthRoute, registerHealthRoutes } from './routes/health.routes.js';
import { latestPriceRoute, latestPricesRoute, registerPriceRoutes } from './routes/price.routes.js';
import { registerRootRoutes, rootRoute } from './routes/root.routes.js';
import { registerSymbolsRoutes, symbolsRoute } from './routes/symbols.routes.js';
import { registerTradesRoutes, tradesRoute } from './routes/trades.routes.js';
import { documentApiKeys } from './schemas/security.schemas.js';

const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** Every method but GET and HEAD may carry a body; no route reads one of any other method. */
const METHODS_WITH_BODY = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * What anyone may call even with REQUIRE_API_KEY=true: load balancers and uptime checks need
 * /health, and the index and the docs only describe the api (admin routes included: knowing they
 * exist grants nothing). /metrics is not open: it lists every symbol and its freshness.
 */
const OPEN_PATHS = new Set(['/', '/health', OPENAPI_PATH, DOCS_PATH]);
const isOpenPath = (path: string) =>
  OPEN_PATHS.has(path) || path.startsWith(`${DOCS_PATH}/assets/`);

/**
 * The API as a Hono app, independent of how it is served: the Functions Framework in the cloud,
 * `app.request()` in route tests.
 */
export function createApp(deps: ApiDeps) {
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
  const registry = new Registry();
  app.use(requestContext({ logger: deps.logger, recordRequest: createRequestMetrics(registry) }));
  app.use(secureHeaders());
  // Each middleware level costs a request a few promises, which the Functions Framework's async
  // hooks make dear (docs/benchmarks.md): only what this configuration needs is registered.
  const allowedOrigins = deps.corsAllowedOrigins ?? [];
  if (allowedOrigins.length > 0) app.use(corsAllowList({ allowedOrigins }));
  const limitBody = bodyLimit({
    maxSize: deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
    onError: (c: Context<AppEnv>) =>
      sendError(
        c,
        new AppError(
          413,
          'payload_too_large',
          `Request body exceeds ${deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT} bytes`,
        ),
      ),
  });
  // Checking the body builds a full fetch Request; a GET or HEAD has no body to check, and skipping
  // it was worth +30% requests/s on /price/latest (docs/benchmarks.md).
  app.on(METHODS_WITH_BODY, '*', limitBody);
  const requireApiKey = deps.requireApiKey ?? false;
  app.use(apiKeyAuth({ sql: deps.sql, requireApiKey, isOpen: isOpenPath }));

  registerRootRoutes(app);
  registerHealthRoutes(app, deps);
  registerSymbolsRoutes(app, deps);
  registerPriceRoutes(app, deps);
  registerTradesRoutes(app, deps);
  registerCandlesRoutes(app, deps);
  registerStatusRoutes(app, deps);
  registerMetricsRoutes(app, registry, deps);
  registerAdminSymbolsRoutes(app, deps);
  registerRejectedRoutes(app, deps);
  registerDocsRoutes(app);
  documentApiKeys(app, { requireApiKey, isOpen: isOpenPath });
  registerMethodNotAllowed(app, [
    rootRoute,
    healthRoute,
    symbolsRoute,
    createSymbolRoute,
    updateSymbolRoute,
    deleteSymbolRoute,
    rejectedRoute,
    latestPriceRoute,
    latestPricesRoute,
    tradesRoute,
    candlesRoute,
    ingestionStatusRoute,
    metricsRoute,
    { method: 'get', path: OPENAPI_PATH },
    { method: 'get', path: DOCS_PATH },
  ]);

  app.notFound(notFoundHandler);
  app.onError(errorHandler({ logger: deps.logger }));
  return app;
}
