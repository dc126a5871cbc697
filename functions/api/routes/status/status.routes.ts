import { createRoute, z } from '@hono/zod-openapi';
import { fetchFreshness } from '../../../../shared/prices/freshness.queries.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { errorResponse, timestampString, commonErrors } from '../../schemas/common.schemas.js';

/** Ingestion is stale when the newest trade is older than this many scheduler intervals. */
export const STALE_AFTER_INTERVALS = 3;

const freshnessStatus = z.enum(['ok', 'stale', 'no_data']);

export const ingestionStatusRoute = createRoute({
  method: 'get',
  path: '/status/ingestion',
  summary: 'Whether trades are still arriving: overall and per symbol',
  responses: {
    ...commonErrors,
    200: {
      description: `ok, stale (newest trade older than ${STALE_AFTER_INTERVALS} x the ingestion interval) or no_data`,
      content: {
        'application/json': {
          schema: z.object({
            status: freshnessStatus,
            checked_at: timestampString,
            interval_seconds: z.number(),
            stale_after_seconds: z.number(),
            last_trade_at: timestampString.nullable(),
            staleness_seconds: z.number().nullable(),
            symbols: z.array(
              z.object({
                symbol: z.string(),
                status: freshnessStatus,
                last_trade_at: timestampString.nullable(),
                staleness_seconds: z.number().nullable(),
              }),
            ),
          }),
        },
      },
    },
    503: errorResponse('The database is unreachable'),
  },
});

/** GET /status/ingestion: whether trades are still arriving, overall and per symbol. */
export const statusFeature: ApiFeature = {
  index: { ingestion_status: '/status/ingestion' },
  register(app, { reader, ingestionIntervalSeconds }) {
    const staleAfter = STALE_AFTER_INTERVALS * ingestionIntervalSeconds;
    const statusOf = (staleness: number | null): 'ok' | 'stale' | 'no_data' =>
      staleness === null ? 'no_data' : staleness > staleAfter ? 'stale' : 'ok';
    app.openapi(ingestionStatusRoute, async (c) => {
      const { checkedAt, symbols } = await fetchFreshness(reader());
      const known = symbols.filter((s) => s.stalenessSeconds !== null);
      const freshest = known.reduce<(typeof known)[number] | undefined>(
        (best, s) =>
          best === undefined ||
          (s.stalenessSeconds ?? Infinity) < (best.stalenessSeconds ?? Infinity)
            ? s
            : best,
        undefined,
      );
      return c.json(
        {
          status: statusOf(freshest?.stalenessSeconds ?? null),
          checked_at: checkedAt.toISOString(),
          interval_seconds: ingestionIntervalSeconds,
          stale_after_seconds: staleAfter,
          last_trade_at: freshest?.lastTradeAt?.toISOString() ?? null,
          staleness_seconds: freshest?.stalenessSeconds ?? null,
          symbols: symbols.map((s) => ({
            symbol: s.symbol,
            status: statusOf(s.stalenessSeconds),
            last_trade_at: s.lastTradeAt?.toISOString() ?? null,
            staleness_seconds: s.stalenessSeconds,
          })),
        },
        200,
      );
    });
  },
};
