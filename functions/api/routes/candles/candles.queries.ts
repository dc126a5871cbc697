import type { Sql } from '../../../../shared/db/client.js';
import type { Candle } from './fill-previous.js';
import { BUCKET_ORIGIN_MS } from './intervals.js';

/** A candle as the database returns it: the bucket start as a Date. */
export type CandleRow = Omit<Candle, 'timestamp'> & { bucket: Date };

export interface CandleQuery {
  symbol: string;
  intervalMs: number;
  start: Date;
  end: Date;
}

/**
 * OHLCV per bucket in one query the (symbol, ts, seq) index serves. Open is the first trade by
 * (ts, seq) and close the last: trades sharing a timestamp keep the order they were published in.
 * vwap = Σ price·volume / Σ volume, rounded half up to 8 decimals from at least 30.
 */
export async function fetchCandles(
  sql: Sql,
  { symbol, intervalMs, start, end }: CandleQuery,
): Promise<CandleRow[]> {
  return sql<CandleRow[]>`
    select bucket,
           trim_scale((array_agg(price order by ts, seq))[1])::text as open,
           trim_scale(max(price))::text as high,
           trim_scale(min(price))::text as low,
           trim_scale((array_agg(price order by ts desc, seq desc))[1])::text as close,
           trim_scale(sum(volume))::text as volume,
           trim_scale(round(sum(price * volume)::numeric(60, 30) / sum(volume), 8))::text as vwap,
           count(*)::int as trade_count
    from (
      select date_bin(${`${intervalMs / 1000} seconds`}::interval, ts, ${new Date(BUCKET_ORIGIN_MS).toISOString()}::text::timestamptz) as bucket,
             price, volume, ts, seq
      from trades
      where symbol = ${symbol} and ts >= ${start.toISOString()}::text::timestamptz and ts < ${end.toISOString()}::text::timestamptz
    ) bucketed
    group by bucket
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
