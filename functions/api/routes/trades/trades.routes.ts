import { createRoute, z } from '@hono/zod-openapi';
import { invalidParameter, symbolNotFound } from '../../../../shared/http/app-error.js';
import { symbolExists } from '../../../../shared/symbols/symbols.queries.js';
import { fetchTradesPage } from '../../../../shared/trades/trades.queries.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import {
  decimalString,
  errorResponse,
  symbolSchema,
  timestampString,
  commonErrors,
} from '../../schemas/common.schemas.js';
import { asOfParam, limitParam, orderParam, timestampParam } from '../../schemas/query.schemas.js';
import { decodeCursor, encodeCursor, type TradesCursor } from './trades-cursor.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1_000;
const DEFAULT_WINDOW_MS = 3_600_000;

const tradeSchema = z
  .object({
    trade_id: z.string(),
    price: decimalString('187.23'),
    volume: decimalString('1200'),
    timestamp: timestampString,
  })
  .openapi('Trade');

export const tradesRoute = createRoute({
  method: 'get',
  path: '/trades',
  summary: 'Trades of a symbol in [start, end), keyset-paginated',
  request: {
    query: z.object({
      symbol: symbolSchema,
      start: timestampParam('Inclusive; default: end minus one hour'),
      end: timestampParam('Exclusive; default: now'),
      limit: limitParam(DEFAULT_LIMIT, MAX_LIMIT),
      order: orderParam,
      cursor: z.string().optional().openapi({
        description: 'next_cursor of the previous page; the range and order come from it',
      }),
      as_of: asOfParam,
    }),
  },
  responses: {
    ...commonErrors,
    200: {
      description: 'A page of trades; next_cursor is null on the last page',
      content: {
        'application/json': {
          schema: z.object({
            symbol: z.string(),
            start: timestampString,
            end: timestampString,
            order: z.enum(['asc', 'desc']),
            limit: z.number().int(),
            count: z.number().int(),
            trades: z.array(tradeSchema),
            next_cursor: z.string().nullable(),
          }),
        },
      },
    },
    400: errorResponse('A malformed parameter, start not before end, or a cursor of another query'),
    404: errorResponse('Unknown symbol'),
    503: errorResponse('The database is unreachable'),
  },
});

/** The range and order of this page: the cursor's when resuming (a cursor must belong to this query). */
function pageWindow(
  query: {
    symbol: string;
    start?: Date | undefined;
    end?: Date | undefined;
    order: 'asc' | 'desc';
    cursor?: string | undefined;
    as_of?: Date | undefined;
  },
  orderGiven: boolean,
) {
  const asOf = query.as_of?.toISOString() ?? '';
  if (query.cursor !== undefined) {
    const cursor: TradesCursor = decodeCursor(query.cursor);
    const mismatch =
      cursor.symbol !== query.symbol ||
      (orderGiven && cursor.order !== query.order) ||
      (query.start !== undefined && query.start.getTime() !== Date.parse(cursor.start)) ||
      (query.end !== undefined && query.end.getTime() !== Date.parse(cursor.end)) ||
      cursor.asOf !== asOf;
    if (mismatch)
      throw invalidParameter(
        'cursor',
        'belongs to another query (symbol, order, range or as_of differ)',
      );
    return {
      start: new Date(cursor.start),
      end: new Date(cursor.end),
      order: cursor.order,
      after: { ts: cursor.ts, seq: cursor.seq },
    };
  }
  // As of an instant, "now" was then: the range ends there unless given.
  const end = query.end ?? query.as_of ?? new Date();
  const start = query.start ?? new Date(end.getTime() - DEFAULT_WINDOW_MS);
  if (start.getTime() >= end.getTime()) throw invalidParameter('start', 'must be before end');
  return { start, end, order: query.order, after: undefined };
}

/** GET /trades: a symbol's trades in a range, a page at a time. */
export const tradesFeature: ApiFeature = {
  index: { trades: '/trades?symbol={symbol}&start=&end=&limit=&order=&cursor=&as_of=' },
  register(app, { reader }) {
    app.openapi(tradesRoute, async (c) => {
      const query = c.req.valid('query');
      const sql = reader();
      const window = pageWindow(query, c.req.query('order') !== undefined);
      const rows = await fetchTradesPage(sql, {
        symbol: query.symbol,
        limit: query.limit,
        ...window,
        knownAt: query.as_of,
      });
      if (rows.length === 0 && !(await symbolExists(sql, query.symbol)))
        throw symbolNotFound([query.symbol]);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const next_cursor =
        rows.length > query.limit && last !== undefined
          ? encodeCursor({
              symbol: query.symbol,
              order: window.order,
              start: window.start.toISOString(),
              end: window.end.toISOString(),
              ts: last.tsKey,
              seq: last.seq,
              asOf: query.as_of?.toISOString() ?? '',
            })
          : null;
      return c.json(
        {
          symbol: query.symbol,
          start: window.start.toISOString(),
          end: window.end.toISOString(),
          order: window.order,
          limit: query.limit,
          count: page.length,
          trades: page.map((trade) => ({
            trade_id: trade.tradeId,
            price: trade.price,
            volume: trade.volume,
            timestamp: trade.ts.toISOString(),
          })),
          next_cursor,
        },
        200,
      );
    });
  },
};
