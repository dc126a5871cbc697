import { createRoute, z } from '@hono/zod-openapi';
import { withTimeout } from '../../../../shared/db/db-errors.js';
import { AppError } from '../../../../shared/http/app-error.js';
import { errorEnvelope } from '../../../../shared/http/error-envelope.js';
import { SERVICE } from '../../../../shared/service-info.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { errorEnvelopeSchema, commonErrors } from '../../schemas/common.schemas.js';

export const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness and database reachability',
  responses: {
    ...commonErrors,
    200: {
      description: 'Healthy: the database answered',
      content: {
        'application/json': {
          schema: z.object({
            status: z.literal('healthy'),
            database: z.literal('connected'),
            timestamp: z.string(),
            version: z.string(),
            database_latency_ms: z.number(),
          }),
        },
      },
    },
    503: {
      description: 'The database did not answer in time',
      content: {
        'application/json': {
          schema: errorEnvelopeSchema.extend({
            database: z.literal('unreachable'),
            timestamp: z.string(),
          }),
        },
      },
    },
  },
});

/** GET /health: open to load balancers and uptime checks whatever REQUIRE_API_KEY says. */
export const healthFeature: ApiFeature = {
  index: { health: '/health' },
  openPaths: ['/health'],
  register(app, { sql, logger, healthTimeoutMs }) {
    app.openapi(healthRoute, async (c) => {
      const started = performance.now();
      try {
        await withTimeout(sql`select 1`.execute(), healthTimeoutMs, 'the database');
      } catch (error) {
        logger.warn({ err: error }, 'health check: database unreachable');
        const unavailable = new AppError(
          503,
          'database_unavailable',
          'The database is unreachable',
        );
        return c.json(
          {
            ...errorEnvelope(unavailable, c.get('requestId')),
            database: 'unreachable' as const,
            timestamp: new Date().toISOString(),
          },
          503,
        );
      }
      return c.json(
        {
          status: 'healthy' as const,
          database: 'connected' as const,
          timestamp: new Date().toISOString(),
          version: SERVICE.version,
          database_latency_ms: Math.round(performance.now() - started),
        },
        200,
      );
    });
  },
};
