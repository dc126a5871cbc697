import type { Fragment, TransactionSql } from 'postgres';
import type { Sql } from '../../../../shared/db/client.js';
import { BUCKET_ORIGIN_MS } from '../../../../shared/market/candle-intervals.js';
import type { Candle } from './fill-previous.js';

/** A candle as the database returns it: the bucket start as a Date. */
export type CandleRow = Omit<Candle, 'timestamp'> & { bucket: Date };

/** Fragments are built by whichever client runs the query: the pool or a transaction. */
type SqlTag = Sql | TransactionSql;

const ORIGIN = new Date(BUCKET_ORIGIN_MS).toISOString();

export const iso = (ms: number) => new Date(ms).toISOString();

/** The bucket length as a PostgreSQL interval parameter. */
export const intervalParam = (intervalMs: number) => `${intervalMs / 1000} seconds`;

/**
 * OHLCV per bucket of the trades in [fromMs, toMs), as exact numerics: one range scan of the
 * (symbol, ts, seq) index. Open is the first trade by (ts, seq) and close the last: trades sharing
 * a timestamp keep the order they were published in. vwap = Σ price·volume / Σ volume, rounded
 * half up to 8 decimals from at least 30.
 */
export function aggregateTrades(
  sql: SqlTag,
  symbol: string,
  intervalMs: number,
  fromMs: number,
  toMs: number,
): Fragment {
  return sql`
    select bucket,
           (array_agg(price order by ts, seq))[1] as open,
           max(price) as high,
           min(price) as low,
           (array_agg(price order by ts desc, seq desc))[1] as close,
           sum(volume) as volume,
           round(sum(price * volume)::numeric(60, 30) / sum(volume), 8) as vwap,
           count(*)::int as trade_count
    from (
      select date_bin(${intervalParam(intervalMs)}::interval, ts, ${ORIGIN}::timestamptz) as bucket,
             price, volume, ts, seq
      from trades
      where symbol = ${symbol} and ts >= ${iso(fromMs)}::timestamptz and ts < ${iso(toMs)}::timestamptz
    ) bucketed
    group by bucket`;
}

/** The columns of a candle as the API prints them: exact decimals without trailing zeros. */
export function candleColumns(sql: SqlTag): Fragment {
  return sql`bucket,
    trim_scale(open)::text as open, trim_scale(high)::text as high, trim_scale(low)::text as low,
    trim_scale(close)::text as close, trim_scale(volume)::text as volume,
    trim_scale(vwap)::text as vwap, trade_count`;
}

/** Candles of [fromMs, toMs) computed from the trades, nothing read from or written to the store. */
export async function computeCandles(
  sql: Sql,
  symbol: string,
  intervalMs: number,
  fromMs: number,
  toMs: number,
): Promise<CandleRow[]> {
  return sql<CandleRow[]>`
    select ${candleColumns(sql)}
    from (${aggregateTrades(sql, symbol, intervalMs, fromMs, toMs)}) computed
    order by bucket`;
}

/** The close before `start`: what empty buckets at the start of a filled range carry. */
export async function fetchCloseBefore(
  sql: Sql,
  symbol: string,
  start: Date,
): Promise<string | null> {
  const [row] = await sql<{ price: string }[]>`
    select trim_scale(price)::text as price from trades
    where symbol = ${symbol} and ts < ${start.toISOString()}::text::timestamptz
    order by ts desc, seq desc
    limit 1`;
  return row?.price ?? null;
}
