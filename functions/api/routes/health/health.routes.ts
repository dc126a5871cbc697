import { createRoute, z } from '@hono/zod-openapi';
import { withTimeout } from '../../../../shared/db/db-errors.js';
import type { ReplicaStatus } from '../../../../shared/db/read-replica.js';
import { AppError } from '../../../../shared/http/app-error.js';
import { errorEnvelope } from '../../../../shared/http/error-envelope.js';
import { SERVICE } from '../../../../shared/service-info.js';
import { fetchIngestionTotals } from '../../../../shared/trades/trade-counts.queries.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import {
  errorEnvelopeSchema,
  commonErrors,
  timestampString,
} from '../../schemas/common.schemas.js';

export const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  summary:
    'Liveness and database reachability, with how many trades are stored and when the last were',
  responses: {
    ...commonErrors,
    200: {
      description: 'Healthy: the database answered',
      content: {
        'application/json': {
          schema: z
            .object({
              status: z.literal('healthy'),
              service: z.string().openapi({ example: SERVICE.name }),
              database: z.literal('connected'),
              timestamp: timestampString,
              last_trade_count: z.number().int().nullable().openapi({
                description: 'Trades stored, all symbols (kept by persist, not counted per call)',
              }),
              last_ingestion: timestampString.nullable().openapi({
                description: 'When the last batch of trades was stored',
              }),
              version: z.string(),
              database_latency_ms: z.number(),
              read_replica: z
                .object({
                  state: z
                    .enum(['in_use', 'lagging', 'unreachable', 'not_a_standby', 'unchecked'])
                    .openapi({
                      description:
                        'in_use: reads go there; otherwise they fall back to the primary (lagging: further behind than DATABASE_READ_MAX_LAG_SECONDS)',
                    }),
                  reads_from: z.enum(['replica', 'primary']),
                  lag_seconds: z.number().nullable().openapi({
                    description:
                      'Behind the primary: the age of the oldest primary WAL position it had not replayed at this check (0: caught up)',
                  }),
                })
                .nullable()
                .openapi({
                  description:
                    'The read replica (DATABASE_READ_URL), checked now; null without one',
                }),
            })
            .openapi('Health'),
        },
      },
    },
    503: {
      description:
        'The database did not answer in time: the error envelope, with the health fields',
      content: {
        'application/json': {
          schema: errorEnvelopeSchema.extend({
            service: z.string(),
            database: z.literal('unreachable'),
            timestamp: timestampString,
          }),
        },
      },
    },
  },
});

const replicaJson = ({ state, lagSeconds }: ReplicaStatus) => ({
  state,
  reads_from: state === 'in_use' ? ('replica' as const) : ('primary' as const),
  lag_seconds: lagSeconds === null ? null : Math.round(lagSeconds * 1000) / 1000,
});

/** GET /health: open to load balancers and uptime checks whatever REQUIRE_API_KEY says. */
export const healthFeature: ApiFeature = {
  index: { health: '/health' },
  openPaths: ['/health'],
  register(app, { sql, logger, healthTimeoutMs, readReplica }) {
    app.openapi(healthRoute, async (c) => {
      const started = performance.now();
      // Checked beside the primary, never failing the answer: reads fall back while it is away.
      const replica = readReplica?.check();
      let totals;
      try {
        totals = await withTimeout(fetchIngestionTotals(sql), healthTimeoutMs, 'the database');
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
            service: SERVICE.name,
            database: 'unreachable' as const,
            timestamp: new Date().toISOString(),
          },
          503,
        );
      }
      return c.json(
        {
          status: 'healthy' as const,
          service: SERVICE.name,
          database: 'connected' as const,
          timestamp: new Date().toISOString(),
          last_trade_count: totals.tradeCount,
          last_ingestion: totals.lastIngestion?.toISOString() ?? null,
          version: SERVICE.version,
          database_latency_ms: Math.round(performance.now() - started),
          read_replica: replica === undefined ? null : replicaJson(await replica),
        },
        200,
      );
    });
  },
};
