import { createRoute, z } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import { loadIndicatorValues } from '../../../../shared/indicators/load-indicator.js';
import { symbolNotFound } from '../../../../shared/http/app-error.js';
import { symbolExists } from '../../../../shared/symbols/symbols.queries.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { bucketWindow } from '../../lib/bucket-window.js';
import { jsonWithRaw } from '../../lib/json-with-raw.js';
import {
  commonErrors,
  errorResponse,
  symbolSchema,
  timestampString,
} from '../../schemas/common.schemas.js';
import { bucketRangeQuery } from '../../schemas/query.schemas.js';
import { indicatorQuery, indicatorSpecOf } from './indicator-params.js';
import { indicatorValuesJson } from './indicators.serializer.js';

const decimal = z
  .string()
  .openapi({ description: 'Rounded to 10 significant digits', example: '61.2843' });

const indicatorAnswerSchema = z.object({
  symbol: z.string(),
  interval: z.string(),
  type: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
  start: timestampString,
  end: timestampString,
  fill: z.enum(['none', 'previous']),
  count: z.number().int(),
  values: z.array(
    z.object({
      timestamp: timestampString.openapi({ description: 'The candle’s bucket start' }),
      value: z.union([
        decimal,
        z.object({ macd: decimal, signal: decimal, histogram: decimal }),
        z.object({ upper: decimal, middle: decimal, lower: decimal }),
        z.object({ k: decimal, d: decimal }),
      ]),
    }),
  ),
  next_start: timestampString.nullable(),
});

export const indicatorsRoute = createRoute({
  method: 'get',
  path: '/indicators',
  summary:
    'SMA, EMA, RSI, MACD, Bollinger Bands, ATR or stochastic over the candles /candles serves, warm-up included',
  request: { query: z.object({ symbol: symbolSchema, ...bucketRangeQuery, ...indicatorQuery }) },
  responses: {
    ...commonErrors,
    200: {
      description:
        'One value per candle of the range whose indicator is defined (a candle with too little history before it has none). ' +
        'A value never depends on the range asked for. At most `limit` buckets per request; next_start continues.',
      content: { 'application/json': { schema: indicatorAnswerSchema } },
    },
    400: errorResponse(
      'A malformed parameter, one that does not apply to the type, or start not before end',
    ),
    404: errorResponse('Unknown symbol'),
    503: errorResponse('The database is unreachable'),
  },
});

/** GET /indicators: technical indicators, computed by the api over its own candles. */
export const indicatorsFeature: ApiFeature = {
  index: {
    indicators: '/indicators?symbol={symbol}&interval=1h&type=rsi&window=14&start=&end=&limit=',
  },
  register(app, { sql: primary, reader }) {
    app.openapi(indicatorsRoute, async (c) => {
      const query = c.req.valid('query');
      const sql = reader();
      const spec = indicatorSpecOf(query);
      const intervalMs = query.interval.ms;
      const { start, end, windowEndMs, nextStart } = bucketWindow(query, intervalMs);
      const values = await loadIndicatorValues(
        // Read where reads go; closed candles computed on the way are kept on the primary.
        { read: sql, write: primary },
        spec,
        {
          symbol: query.symbol,
          intervalMs,
          startMs: start.getTime(),
          endMs: windowEndMs,
          fill: query.fill,
        },
        Date.now(),
      );
      if (values.length === 0 && !(await symbolExists(sql, query.symbol)))
        throw symbolNotFound([query.symbol]);
      const { type, ...params } = spec;
      const answer = jsonWithRaw(
        {
          symbol: query.symbol,
          interval: query.interval.name,
          type,
          params,
          start: start.toISOString(),
          end: end.toISOString(),
          fill: query.fill,
          count: values.length,
        },
        'values',
        indicatorValuesJson(values),
        { next_start: nextStart },
      );
      // The text is indicatorAnswerSchema's JSON; typed as c.json would type it.
      return c.body(answer, 200, {
        'Content-Type': 'application/json',
      }) as unknown as TypedResponse<z.infer<typeof indicatorAnswerSchema>, 200, 'json'>;
    });
  },
};
