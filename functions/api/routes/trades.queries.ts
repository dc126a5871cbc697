import type { Sql } from '../../../shared/db/client.js';

export interface TradeRow {
  trade_id: string;
  price: string;
  volume: string;
  ts: Date;
  /** The timestamp at the database's full (µs) precision, for the cursor. */
  ts_key: string;
  /** bigint, which the client returns as a string. */
  seq: string;
}

export interface TradesPageQuery {
  symbol: string;
  start: Date;
  end: Date;
  order: 'asc' | 'desc';
  limit: number;
  /** Resume strictly after this (ts, seq) in the walking direction. */
  after?: { ts: string; seq: string } | undefined;
}

/**
 * One page of a symbol's trades in `[start, end)`, by (ts, seq) in either direction, one more than
 * `limit` to tell whether another page follows. A keyset walk on the (symbol, ts, seq) index: every
 * page costs the same however deep, and trades arriving meanwhile never shift a page.
 */
export async function fetchTradesPage(sql: Sql, query: TradesPageQuery): Promise<TradeRow[]> {
  const { symbol, start, end, order, limit, after } = query;
  const resume =
    after === undefined
      ? sql``
      : order === 'desc'
        ? sql`and (trades.ts, trades.seq) < (${after.ts}::text::timestamptz, ${after.seq}::bigint)`
        : sql`and (trades.ts, trades.seq) > (${after.ts}::text::timestamptz, ${after.seq}::bigint)`;
  const ordering =
    order === 'desc' ? sql`order by ts desc, seq desc` : sql`order by ts asc, seq asc`;
  return sql<TradeRow[]>`
    select trade_id, trim_scale(price)::text as price, trim_scale(volume)::text as volume, ts, seq,
           to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ts_key
    from trades
    where symbol = ${symbol} and ts >= ${start} and ts < ${end} ${resume}
    ${ordering}
    limit ${limit + 1}`;
}
