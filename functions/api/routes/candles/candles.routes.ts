import { createRoute, z } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import { loadFilledCandles } from '../../../../shared/candles/fill-previous.js';
import { loadCandles } from '../../../../shared/candles/load-candles.js';
import { symbolNotFound } from '../../../../shared/http/app-error.js';
import { isCalendarInterval } from '../../../../shared/market/interval-grammar.js';
import { UTC } from '../../../../shared/market/time-zone.js';
import { symbolExists } from '../../../../shared/symbols/symbols.queries.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { bucketWindow, type BucketWindow } from '../../lib/bucket-window.js';
import {
  commonErrors,
  decimalString,
  errorResponse,
  symbolSchema,
  timestampString,
} from '../../schemas/common.schemas.js';
import {
  asOfParam,
  bucketRangeQuery,
  candleIntervalParam,
  timeZoneParam,
} from '../../schemas/query.schemas.js';
import { candlesAnswerJson, servedCandleJson } from './candles.serializer.js';
import { loadLocalCandles } from './local-candles.js';

const candleSchema = z
  .object({
    timestamp: timestampString.openapi({
      description: 'Bucket start (UTC), aligned to UTC unless a timezone or M/y is asked for',
    }),
    localStart: z.string().optional().openapi({
      example: '2026-03-08T00:00:00-05:00',
      description:
        'With a timezone or an M/y interval only: the bucket start in local time, ISO 8601 with its UTC offset (seconds included where the offset has them, e.g. local mean time before 1972)',
    }),
    open: decimalString('187.10'),
    high: decimalString('187.40'),
    low: decimalString('187.02'),
    close: decimalString('187.23'),
    volume: decimalString('52100'),
    vwap: decimalString('187.21352239'),
    trade_count: z.number().int(),
  })
  .openapi('Candle');

const candlesAnswerSchema = z.object({
  symbol: z.string(),
  interval: z.string(),
  timezone: z.string().optional().openapi({
    description: 'With a timezone or an M/y interval only: the zone of the buckets',
  }),
  start: timestampString,
  end: timestampString,
  fill: z.enum(['none', 'previous']),
  count: z.number().int(),
  candles: z.array(candleSchema),
  next_start: timestampString.nullable(),
});

export const candlesRoute = createRoute({
  method: 'get',
  path: '/candles',
  summary: 'OHLCV, vwap and trade count per UTC-aligned bucket, aggregated on demand',
  request: {
    query: z.object({
      symbol: symbolSchema,
      ...bucketRangeQuery,
      interval: candleIntervalParam,
      timezone: timeZoneParam,
      as_of: asOfParam,
    }),
  },
  responses: {
    ...commonErrors,
    200: {
      description:
        'Candles in time order. At most `limit` buckets are covered per request; next_start, when not null, is where the next request starts.',
      content: {
        'application/json': {
          schema: candlesAnswerSchema,
        },
      },
    },
    400: errorResponse('A malformed parameter, an unsupported interval, or start not before end'),
    404: errorResponse('Unknown symbol'),
    503: errorResponse('The database is unreachable'),
  },
});

/** GET /candles: OHLCV per bucket, aggregated on demand and kept once closed. */
export const candlesFeature: ApiFeature = {
  index: {
    candles:
      '/candles?symbol={symbol}&interval=1m&start=&end=&limit=&fill=none|previous&as_of=&timezone=',
  },
  register(app, { sql: primary, reader }) {
    app.openapi(candlesRoute, async (c) => {
      const query = c.req.valid('query');
      const { interval, timezone } = query;
      const sql = reader();
      // Read where reads go; closed candles computed on the way are kept on the primary.
      const db = { read: sql, write: primary };
      const head: { symbol: string; interval: string; timezone?: string } = {
        symbol: query.symbol,
        interval: interval.name,
      };
      let answered: BucketWindow & { candles: string[] };
      if (timezone !== undefined || isCalendarInterval(interval)) {
        const zone = timezone ?? UTC;
        head.timezone = zone;
        answered = await loadLocalCandles(sql, { ...query, interval, zone });
      } else {
        // As of an instant, "now" was then: the range ends there unless given.
        const window = bucketWindow({ ...query, end: query.end ?? query.as_of }, interval.ms);
        const request = {
          symbol: query.symbol,
          intervalMs: interval.ms,
          startMs: window.start.getTime(),
          endMs: window.windowEndMs,
          knownAtMs: query.as_of?.getTime(),
        };
        // Only a filled answer needs candles as values; the usual one is sent as PostgreSQL rendered it.
        const candles =
          query.fill === 'previous'
            ? (await loadFilledCandles(db, request, Date.now())).map((candle) =>
                JSON.stringify(candle),
              )
            : await loadCandles(db, request, Date.now(), servedCandleJson);
        answered = { ...window, candles };
      }
      const { start, end, nextStart, candles } = answered;
      if (candles.length === 0 && !(await symbolExists(sql, query.symbol)))
        throw symbolNotFound([query.symbol]);
      const answer = candlesAnswerJson(
        {
          ...head,
          start: start.toISOString(),
          end: end.toISOString(),
          fill: query.fill,
          count: candles.length,
          next_start: nextStart,
        },
        candles,
      );
      // The text is this schema's JSON (candlesAnswerJson); typed as c.json would type it.
      return c.body(answer, 200, {
        'Content-Type': 'application/json',
      }) as unknown as TypedResponse<z.infer<typeof candlesAnswerSchema>, 200, 'json'>;
    });
  },
};
