import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { SERVICE } from '../../../shared/service-info.js';
import type { AppEnv } from '../app-env.js';
import { commonErrors } from '../schemas/common.schemas.js';

const ENDPOINTS = {
  health: '/health',
  symbols: '/symbols',
  latest_price: '/price/latest?symbol={symbol}',
  latest_prices: 'POST /price/latest {"symbols": [...]}',
  trades: '/trades?symbol={symbol}&start=&end=&limit=&order=&cursor=',
  candles: '/candles?symbol={symbol}&interval=1m&start=&end=&limit=&fill=none|previous',
  ingestion_status: '/status/ingestion',
  metrics: '/metrics',
  openapi: '/openapi.json',
  docs: '/docs',
  admin_symbols: 'POST /symbols, PATCH|DELETE /symbols/{symbol} (X-API-Key of the admin role)',
  admin_rejected: '/admin/rejected?limit= (X-API-Key of the admin role)',
} as const;

export const rootRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Service name, version and links to every endpoint',
  responses: {
    ...commonErrors,
    200: {
      description: 'Service index',
      content: {
        'application/json': {
          schema: z.object({
            service: z.string(),
            version: z.string(),
            endpoints: z.record(z.string(), z.string()),
          }),
        },
      },
    },
  },
});

export function registerRootRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(rootRoute, (c) =>
    c.json({ service: SERVICE.name, version: SERVICE.version, endpoints: ENDPOINTS }, 200),
  );
}
