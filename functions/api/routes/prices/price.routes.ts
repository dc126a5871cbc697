import { createRoute, z } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import { LosslessNumber, stringify } from 'lossless-json';
import { AppError, symbolNotFound } from '../../../../shared/http/app-error.js';
import {
  fetchLatestPrices,
  type LatestPrice,
  type LatestPriceLookup,
} from '../../../../shared/prices/latest-prices.queries.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { coalesceInFlight } from '../../lib/coalesce-in-flight.js';
import { asOfParam } from '../../schemas/query.schemas.js';
import {
  decimalString,
  errorResponse,
  exactNumber,
  symbolSchema,
  timestampString,
  commonErrors,
} from '../../schemas/common.schemas.js';

const MAX_SYMBOLS_PER_REQUEST = 100;

/** One symbol's latest price, the Phase 1 contract: price and volume are JSON numbers. */
const latestPriceSchema = z
  .object({
    symbol: z.string(),
    price: exactNumber(187.23),
    volume: exactNumber(1200),
    timestamp: timestampString,
    trade_id: z.string(),
  })
  .openapi('LatestPrice');

/** A latest price in the lists (forms Phase 1 never had): decimals as exact strings. */
const latestPriceItemSchema = z
  .object({
    symbol: z.string(),
    price: decimalString('187.23'),
    volume: decimalString('1200'),
    timestamp: timestampString,
    trade_id: z.string(),
  })
  .openapi('LatestPriceItem');

const latestPricesSchema = z
  .object({
    prices: z.array(latestPriceItemSchema),
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
        as_of: asOfParam,
      })
      .superRefine((q, ctx) => {
        if (q.symbol === undefined && q.symbols === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['symbol'],
            message: 'is required (or symbols, comma-separated)',
          });
        else if (q.symbol !== undefined && q.symbols !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['symbol'],
            message: 'give either symbol or symbols (comma-separated), not both',
          });
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

/** A latest price as the lists print it. */
const latestPriceJson = ({ symbol, price, volume, ts, tradeId }: LatestPrice) => ({
  symbol,
  price,
  volume,
  timestamp: ts.toISOString(),
  trade_id: tradeId,
});

/**
 * One symbol's latest price as Phase 1 clients read it: price and volume JSON numbers whose
 * literals are the stored decimals' own digits, so nothing is rounded on the way out.
 */
const phase1LatestPriceText = (latest: LatestPrice) =>
  stringify({
    ...latestPriceJson(latest),
    price: new LosslessNumber(latest.price),
    volume: new LosslessNumber(latest.volume),
  }) ?? '';

/** GET and POST /price/latest: the newest stored trade of one symbol or of several. */
export const pricesFeature: ApiFeature = {
  index: {
    latest_price: '/price/latest?symbol={symbol}',
    latest_prices: 'POST /price/latest {"symbols": [...]}',
  },
  register(app, { reader }) {
    // Symbols never contain a comma (SYMBOL_PATTERN), so the joined list is a faithful key.
    const latestPrices = coalesceInFlight((key) =>
      fetchLatestPrices(reader(), key === '' ? [] : key.split(',')),
    );
    const lookUp = (symbols: string[]) => latestPrices([...new Set(symbols)].join(','));
    const listJson = ({ prices, unknown, withoutTrades }: LatestPriceLookup) => ({
      prices: prices.map(latestPriceJson),
      count: prices.length,
      unknown,
      without_trades: withoutTrades,
    });

    app.openapi(latestPriceRoute, async (c) => {
      const { symbol, symbols, as_of: asOf } = c.req.valid('query');
      // As of an instant: read from the trades (latest_prices holds only the present).
      const find = (list: string[]) =>
        asOf === undefined ? lookUp(list) : fetchLatestPrices(reader(), [...new Set(list)], asOf);
      if (symbol === undefined) return c.json(listJson(await find(symbols ?? [])), 200);
      const { prices, unknown } = await find([symbol]);
      const [latest] = prices;
      if (unknown.length > 0) throw symbolNotFound([symbol]);
      if (latest === undefined)
        throw new AppError(
          404,
          'no_trades',
          asOf === undefined
            ? `No trade stored yet for ${symbol}`
            : `No trade of ${symbol} was stored by ${asOf.toISOString()}`,
        );
      // The text is latestPriceSchema's JSON; typed as c.json would type it.
      return c.body(phase1LatestPriceText(latest), 200, {
        'Content-Type': 'application/json',
      }) as unknown as TypedResponse<z.infer<typeof latestPriceSchema>, 200, 'json'>;
    });

    app.openapi(latestPricesRoute, async (c) => {
      const { symbols } = c.req.valid('json');
      return c.json(listJson(await lookUp(symbols)), 200);
    });
  },
};
