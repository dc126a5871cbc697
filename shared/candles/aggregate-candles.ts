/**
 * Where candles are aggregated from, decided here and nowhere else: the minute and hour rollups
 * (aggregate-rollups.ts) for buckets of a minute or longer, the trades themselves
 * (aggregate-trades.ts) for sub-minute buckets and for as-of answers, since the rollups hold every
 * trade stored, whenever it was stored. Both give the same rows, value for value.
 */
import type { Fragment } from 'postgres';
import { aggregateBuckets, rangeBuckets, type SqlTag } from './aggregate-trades.js';
import { aggregateRollups } from './aggregate-rollups.js';
import { MINUTE_MS } from './minute-rollups.js';

export interface AggregateOptions {
  /** The shortest bucket the FROM item holds: under a minute, the rollups cannot help. */
  shortestBucketMs: number;
  /** Each bucket cut to [fromMs, toMs). */
  within?: { fromMs: number; toMs: number } | undefined;
  /** As of (epoch ms): only trades stored by then count. */
  knownAtMs?: number | undefined;
}

/**
 * Candle rows (bucket, open, high, low, close, volume, vwap, trade_count) of the buckets of the
 * FROM item `buckets` (columns `b`, `e`: fixedBuckets(), rangeBuckets()); buckets without trades
 * yield none.
 */
export function aggregateCandles(
  sql: SqlTag,
  symbol: string,
  buckets: Fragment,
  { shortestBucketMs, within, knownAtMs }: AggregateOptions,
): Fragment {
  if (knownAtMs !== undefined || shortestBucketMs < MINUTE_MS)
    return aggregateBuckets(sql, symbol, buckets, within, knownAtMs);
  return aggregateRollups(sql, symbol, buckets, within);
}

/** aggregateCandles() over the buckets of one fixed length in [fromMs, toMs), the edges cut. */
export function aggregateRange(
  sql: SqlTag,
  symbol: string,
  intervalMs: number,
  fromMs: number,
  toMs: number,
  knownAtMs?: number,
): Fragment {
  return aggregateCandles(sql, symbol, rangeBuckets(sql, intervalMs, fromMs, toMs), {
    shortestBucketMs: intervalMs,
    within: { fromMs, toMs },
    knownAtMs,
  });
}
