import type { Fragment } from 'postgres';
import type { Sql } from '../db/client.js';
import { iso, type SqlTag } from './aggregate-trades.js';
import { aggregateCandles } from './aggregate-candles.js';
import type { CandleFormat } from './candle-format.js';
import type { Bucket } from './local-buckets.js';
import { CANDLE_QUERY_PARTS, MIN_BUCKETS_TO_SPLIT } from './split-range.js';

/**
 * The FROM item aggregateBuckets() reads, `(b, e)` per bucket, for buckets listed one by one: local
 * days across a DST change, calendar months, each as long as it is (local-buckets.ts).
 */
export function listedBuckets(sql: SqlTag, buckets: readonly Bucket[]): Fragment {
  const starts = buckets.map((bucket) => iso(bucket.startMs));
  const ends = buckets.map((bucket) => iso(bucket.endMs));
  return sql`(
    select b, e from unnest(${starts}::timestamptz[], ${ends}::timestamptz[]) as listed(b, e)
  ) as buckets`;
}

/** Candles of listed buckets, each cut to [startMs, endMs). */
export interface ListedCandlesRequest {
  symbol: string;
  buckets: readonly Bucket[];
  startMs: number;
  endMs: number;
  /** As of (epoch ms): only trades stored by then count. */
  knownAtMs?: number | undefined;
}

/**
 * The candles of the traded buckets of the list, computed each time (never stored: persist
 * invalidates only the fixed UTC lengths) from the minute rollups or the trades (aggregate-candles.ts), in time order; a long list in parts side by side, as
 * loadCandles() computes a long range. A bucket's end past `endMs` is cut there before it reaches
 * PostgreSQL, which cannot read the ISO text of a year past 9999.
 */
export async function computeListedCandles<T>(
  sql: Sql,
  { symbol, buckets, startMs, endMs, knownAtMs }: ListedCandlesRequest,
  format: CandleFormat<T>,
): Promise<T[]> {
  // Uncut: a bucket cut short at `endMs` (now) is read per minute and per trade as needed.
  const shortestMs = shortest(buckets);
  const cut = buckets.map((bucket) => ({ ...bucket, endMs: Math.min(bucket.endMs, endMs) }));
  const perPart =
    cut.length >= MIN_BUCKETS_TO_SPLIT ? Math.ceil(cut.length / CANDLE_QUERY_PARTS) : cut.length;
  const parts: Bucket[][] = [];
  for (let i = 0; i < cut.length; i += perPart) parts.push(cut.slice(i, i + perPart));
  const computed = await Promise.all(
    parts.map(async (part) => {
      const rows = (await sql`
        select ${format.select(sql, 'computed')}
        from (${aggregateCandles(sql, symbol, listedBuckets(sql, part), { shortestBucketMs: shortestMs, within: { fromMs: startMs, toMs: endMs }, knownAtMs })}) computed
        order by bucket`.values()) as unknown as unknown[][];
      return rows.map((values) => format.decode(values));
    }),
  );
  return computed.flat();
}

/** The shortest bucket of a part: under a minute (seconds in a local day), rollups cannot help. */
function shortest(part: readonly Bucket[]): number {
  return part.reduce((least, bucket) => Math.min(least, bucket.endMs - bucket.startMs), Infinity);
}
