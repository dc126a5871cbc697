import type { Fragment, TransactionSql } from 'postgres';
import type { Sql } from '../db/client.js';
import { bucketStart } from '../market/candle-intervals.js';

/** Fragments are built by whichever client runs the query: the pool or a transaction. */
export type SqlTag = Sql | TransactionSql;

export const iso = (ms: number) => new Date(ms).toISOString();

/** The bucket length as a PostgreSQL interval parameter. */
export const intervalParam = (intervalMs: number) => `${intervalMs / 1000} seconds`;

/**
 * OHLCV per bucket of the trades in [fromMs, toMs), as exact numerics, in the columns of the
 * `candles` table: bucket, open, high, low, close, volume, vwap, trade_count. Buckets without
 * trades yield no row. Always from the trades themselves: readers go through aggregate-candles.ts,
 * which reads the minute rollups where it can.
 */
export function aggregateTrades(
  sql: SqlTag,
  symbol: string,
  intervalMs: number,
  fromMs: number,
  toMs: number,
  knownAtMs?: number,
): Fragment {
  const buckets = rangeBuckets(sql, intervalMs, fromMs, toMs);
  return aggregateBuckets(sql, symbol, buckets, { fromMs, toMs }, knownAtMs);
}

/** The FROM item of the buckets of one fixed length that [fromMs, toMs) touches (fixedBuckets()). */
export function rangeBuckets(
  sql: SqlTag,
  intervalMs: number,
  fromMs: number,
  toMs: number,
): Fragment {
  const firstBucket = bucketStart(fromMs, intervalMs);
  // An empty range yields an empty series: its last bucket comes before its first.
  const lastBucket = toMs > fromMs ? bucketStart(toMs - 1, intervalMs) : firstBucket - intervalMs;
  return fixedBuckets(
    sql,
    intervalMs,
    sql`generate_series(${iso(firstBucket)}::timestamptz, ${iso(lastBucket)}::timestamptz,
                        ${intervalParam(intervalMs)}::interval) as s(b)`,
  );
}

/**
 * The FROM item aggregateBuckets() reads, `(b, e)` per bucket, for buckets of one fixed length whose
 * starts `starts` lists in its column `b`. A bucket's end is a column of its own so that buckets of
 * different lengths (a local day across a DST change, a calendar month) take the same path.
 */
export function fixedBuckets(sql: SqlTag, intervalMs: number, starts: Fragment): Fragment {
  return sql`(select b, b + ${intervalParam(intervalMs)}::interval as e from ${starts}) as buckets`;
}

/**
 * aggregateTrades() over the buckets `buckets` lists (a FROM item with each bucket's start in column
 * `b` and its end in column `e`, fixedBuckets()), each bucket whole, or cut to [fromMs, toMs) when
 * given.
 *
 * Per bucket: one index probe for the open (first by ts, then seq: trades sharing a timestamp keep
 * their publish order), which also skips empty buckets, one index range scan for high, low, volume
 * and count, one probe for the close; one pass with array_agg(... order by ...) would sort every
 * bucket instead. vwap = Σ price·volume / Σ volume, rounded half up to 8 decimals from at least 30.
 * Σ price·volume of numeric(28, 8) prices and volumes reaches 10^40 and more: the cast keeps 30
 * decimals with room for any integer part (numeric(60, 30) overflowed on such trades).
 */
export function aggregateBuckets(
  sql: SqlTag,
  symbol: string,
  buckets: Fragment,
  within?: { fromMs: number; toMs: number },
  knownAtMs?: number,
): Fragment {
  const from = within === undefined ? sql`b` : sql`greatest(b, ${iso(within.fromMs)}::timestamptz)`;
  const to = within === undefined ? sql`e` : sql`least(e, ${iso(within.toMs)}::timestamptz)`;
  // As of: the trades stored by then (each probe leaves the index for the heap to check).
  const known =
    knownAtMs === undefined ? sql`` : sql`and ingested_at <= ${iso(knownAtMs)}::timestamptz`;
  return sql`
    select b as bucket, o.open, a.high, a.low, c.close, a.volume,
           round(a.pv::numeric(1000, 30) / a.volume, 8) as vwap, a.trade_count
    from ${buckets}
    cross join lateral (
      select price as open from trades
      where symbol = ${symbol} and ts >= ${from} and ts < ${to} ${known}
      order by ts, seq limit 1
    ) o
    cross join lateral (
      select max(price) as high, min(price) as low, sum(volume) as volume,
             sum(price * volume) as pv, count(*)::int as trade_count
      from trades
      where symbol = ${symbol} and ts >= ${from} and ts < ${to} ${known}
    ) a
    cross join lateral (
      select price as close from trades
      where symbol = ${symbol} and ts >= ${from} and ts < ${to} ${known}
      order by ts desc, seq desc limit 1
    ) c`;
}
