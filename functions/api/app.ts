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
import { registerMethodNotAllowed } from './middleware/method-not-allowed.js';
import { requestContext } from './middleware/request-context.js';
import { requestMetrics } from './middleware/request-metrics.js';
import { candlesRoute, registerCandlesRoutes } from './routes/candles/candles.routes.js';
import { DOCS_PATH, OPENAPI_PATH, registerDocsRoutes } from './routes/docs.routes.js';
import { metricsRoute, registerMetricsRoutes } from './routes/metrics.routes.js';
import { ingestionStatusRoute, registerStatusRoutes } from './routes/status.routes.js';
import { healthRoute, registerHealthRoutes } from './routes/health.routes.js';
import { latestPriceRoute, latestPricesRoute, registerPriceRoutes } from './routes/price.routes.js';
import { registerRootRoutes, rootRoute } from './routes/root.routes.js';
import { registerSymbolsRoutes, symbolsRoute } from './routes/symbols.routes.js';
import { registerTradesRoutes, tradesRoute } from './routes/trades.routes.js';

const DEFAULT_BODY_LIMIT = 1024 * 1024;

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
  app.use(requestContext({ logger: deps.logger }));
  app.use(requestMetrics({ registry }));
  app.use(secureHeaders());
  app.use(
    bodyLimit({
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
    }),
  );

  registerRootRoutes(app);
  registerHealthRoutes(app, deps);
  registerSymbolsRoutes(app, deps);
  registerPriceRoutes(app, deps);
  registerTradesRoutes(app, deps);
  registerCandlesRoutes(app, deps);
  registerStatusRoutes(app, deps);
  registerMetricsRoutes(app, registry, deps);
  registerDocsRoutes(app);
  registerMethodNotAllowed(app, [
    rootRoute,
    healthRoute,
    symbolsRoute,
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
