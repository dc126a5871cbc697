import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError } from '../../../shared/http/app-error.js';
import type { ApiDeps, AppEnv } from '../app-env.js';
import {
  decimalString,
  errorResponse,
  symbolSchema,
  timestampString,
  commonErrors,
} from '../schemas/common.schemas.js';
import { coalesceInFlight } from './coalesce-in-flight.js';
import { fetchLatestPrices } from './price.queries.js';

const MAX_SYMBOLS_PER_REQUEST = 100;

const latestPriceSchema = z
  .object({
    symbol: z.string(),
    price: decimalString('187.23'),
    volume: decimalString('1200'),
    timestamp: timestampString,
    trade_id: z.string(),
  })
  .openapi('LatestPrice');

const latestPricesSchema = z
  .object({
    prices: z.array(latestPriceSchema),
    count: z.number().int(),
    unknown: z.array(z.string()),
    without_trades: z.array(z.string()),
  })
  .openapi('LatestPrices');

/** `symbols=AAPL,msft`: 1 to MAX_SYMBOLS_PER_REQUEST symbols, each validated like `symbol`. */
const symbolListParam = z
  .string()
  .transform((list) => list.split(','))
  .pipe(z.array(symbolSchema).min(1).max(MAX_SYMBOLS_PER_REQUEST))
  .openapi({
    type: 'string',
    example: 'AAPL,MSFT',
    description: `Comma-separated, at most ${MAX_SYMBOLS_PER_REQUEST}`,
  });

export const latestPriceRoute = createRoute({
  method: 'get',
  path: '/price/latest',
  summary: 'The latest price of one symbol (symbol=), or of several (symbols=AAPL,MSFT)',
  request: {
    query: z
      .object({
        symbol: symbolSchema.optional(),
        symbols: symbolListParam.optional(),
      })
      .refine((q) => (q.symbol === undefined) !== (q.symbols === undefined), {
        message: 'give either symbol or symbols (comma-separated), not both',
        path: ['symbol'],
      }),
  },
  responses: {
    ...commonErrors,
    200: {
      description:
        'symbol=: the newest stored trade. symbols=: the same list as POST /price/latest',
      content: { 'application/json': { schema: z.union([latestPriceSchema, latestPricesSchema]) } },
    },
    400: errorResponse('Missing or malformed symbol(s)'),
    404: errorResponse('Unknown symbol, or no trade stored for it yet'),
    503: errorResponse('The database is unreachable'),
  },
});

export const latestPricesRoute = createRoute({
  method: 'post',
  path: '/price/latest',
  summary: 'The latest prices of several symbols (JSON body, for lists too long for a URL)',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({
            symbols: z.array(symbolSchema).min(1).max(MAX_SYMBOLS_PER_REQUEST),
          }),
        },
      },
    },
  },
  responses: {
    ...commonErrors,
    200: {
      description: 'Latest prices in the order asked; symbols without a price are listed apart',
      content: {
        'application/json': {
          schema: latestPricesSchema,
        },
      },
    },
    400: errorResponse('Malformed body'),
    413: errorResponse('Body too large'),
    503: errorResponse('The database is unreachable'),
  },
});

export function registerPriceRoutes(app: OpenAPIHono<AppEnv>, { sql }: ApiDeps) {
  // Symbols never contain a comma (SYMBOL_PATTERN), so the joined list is a faithful key.
  const latestPrices = coalesceInFlight((key) =>
    fetchLatestPrices(sql, key === '' ? [] : key.split(',')),
  );
  const lookUp = (symbols: string[]) => latestPrices([...new Set(symbols)].join(','));

  app.openapi(latestPriceRoute, async (c) => {
    const { symbol, symbols } = c.req.valid('query');
    if (symbol === undefined) {
      const lookup = await lookUp(symbols ?? []);
      return c.json(
        {
          prices: lookup.prices,
          count: lookup.prices.length,
          unknown: lookup.unknown,
          without_trades: lookup.withoutTrades,
        },
        200,
      );
    }
    const { prices, unknown } = await lookUp([symbol]);
    const [latest] = prices;
    if (unknown.length > 0)
      throw new AppError(404, 'symbol_not_found', `Unknown symbol: ${symbol}`);
    if (latest === undefined)
      throw new AppError(404, 'no_trades', `No trade stored yet for ${symbol}`);
    return c.json(latest, 200);
  });

  app.openapi(latestPricesRoute, async (c) => {
    const { symbols } = c.req.valid('json');
    const { prices, unknown, withoutTrades } = await lookUp(symbols);
    return c.json({ prices, count: prices.length, unknown, without_trades: withoutTrades }, 200);
  });
}
