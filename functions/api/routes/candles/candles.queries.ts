import type { Fragment, TransactionSql } from 'postgres';
import type { Sql } from '../../../../shared/db/client.js';
import { bucketStart } from '../../../../shared/market/candle-intervals.js';
import type { Candle } from './fill-previous.js';

/** A candle as the database returns it, ready to serve. */
export type CandleRow = Candle;

/** Fragments are built by whichever client runs the query: the pool or a transaction. */
type SqlTag = Sql | TransactionSql;

export const iso = (ms: number) => new Date(ms).toISOString();

/** The bucket length as a PostgreSQL interval parameter. */
export const intervalParam = (intervalMs: number) => `${intervalMs / 1000} seconds`;

/**
 * OHLCV per bucket of the trades in [fromMs, toMs), as exact numerics. Per bucket: one index probe
 * for the open (first by ts, then seq: trades sharing a timestamp keep their publish order), which
 * also skips empty buckets, one index range scan for high, low, volume and count, one probe for the
 * close. Measured ~3× faster than one pass with array_agg(... order by ...) for open and close,
 * which sorts every bucket. vwap = Σ price·volume / Σ volume, rounded half up to 8 decimals from
 * at least 30.
 */
export function aggregateTrades(
  sql: SqlTag,
  symbol: string,
  intervalMs: number,
  fromMs: number,
  toMs: number,
): Fragment {
  const firstBucket = bucketStart(fromMs, intervalMs);
  // An empty range yields an empty series: its last bucket comes before its first.
  const lastBucket = toMs > fromMs ? bucketStart(toMs - 1, intervalMs) : firstBucket - intervalMs;
  const from = sql`greatest(b, ${iso(fromMs)}::timestamptz)`;
  const to = sql`least(b + ${intervalParam(intervalMs)}::interval, ${iso(toMs)}::timestamptz)`;
  return sql`
    select b as bucket, o.open, a.high, a.low, c.close, a.volume,
           round(a.pv::numeric(60, 30) / a.volume, 8) as vwap, a.trade_count
    from generate_series(${iso(firstBucket)}::timestamptz, ${iso(lastBucket)}::timestamptz,
                         ${intervalParam(intervalMs)}::interval) as b
    cross join lateral (
      select price as open from trades
      where symbol = ${symbol} and ts >= ${from} and ts < ${to}
      order by ts, seq limit 1
    ) o
    cross join lateral (
      select max(price) as high, min(price) as low, sum(volume) as volume,
             sum(price * volume) as pv, count(*)::int as trade_count
      from trades
      where symbol = ${symbol} and ts >= ${from} and ts < ${to}
    ) a
    cross join lateral (
      select price as close from trades
      where symbol = ${symbol} and ts >= ${from} and ts < ${to}
      order by ts desc, seq desc limit 1
    ) c`;
}

/**
 * The columns of a candle as the API prints them: exact decimals without trailing zeros, and the
 * bucket start already in ISO 8601 (JavaScript's toISOString form), so that a day of 1m candles
 * is not 1,440 Dates parsed and formatted again in the app.
 */
export function candleColumns(sql: SqlTag): Fragment {
  return sql`to_char(bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as timestamp,
    trim_scale(open)::text as open, trim_scale(high)::text as high, trim_scale(low)::text as low,
    trim_scale(close)::text as close, trim_scale(volume)::text as volume,
    trim_scale(vwap)::text as vwap, trade_count`;
}

/** A row of candleColumns() read with .values(), in their order. */
export type CandleValues = [
  timestamp: string,
  open: string,
  high: string,
  low: string,
  close: string,
  volume: string,
  vwap: string,
  trade_count: number,
];

/** The candle of a row read with .values(), in the shape the API prints. */
export function candleFromValues(values: Readonly<[...CandleValues, ...unknown[]]>): CandleRow {
  return {
    timestamp: values[0],
    open: values[1],
    high: values[2],
    low: values[3],
    close: values[4],
    volume: values[5],
    vwap: values[6],
    trade_count: values[7],
  };
}

/** Candles of [fromMs, toMs) computed from the trades, nothing read from or written to the store. */
export async function computeCandles(
  sql: Sql,
  symbol: string,
  intervalMs: number,
  fromMs: number,
  toMs: number,
): Promise<CandleRow[]> {
  const rows = await sql`
    select ${candleColumns(sql)}
    from (${aggregateTrades(sql, symbol, intervalMs, fromMs, toMs)}) computed
    order by bucket`.values();
  return (rows as unknown as CandleValues[]).map(candleFromValues);
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
