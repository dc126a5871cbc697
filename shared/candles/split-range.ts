import { bucketCeil, bucketStart } from '../market/candle-intervals.js';

/**
 * How many parts a long range is computed in, side by side on the pool's connections: PostgreSQL's
 * own default for one query's parallel workers (max_parallel_workers_per_gather = 2). PostgreSQL
 * cannot parallelize the per-bucket candle query itself (its buckets come from a function scan).
 */
export const CANDLE_QUERY_PARTS = 2;

/** Below this many buckets a second part costs more (its own round trips) than it saves. */
export const MIN_BUCKETS_TO_SPLIT = 240;

/**
 * [startMs, endMs) cut at bucket boundaries into at most `parts` ranges of about as many buckets
 * each, in order; one range when it has fewer than `minBuckets` buckets. Every bucket falls in
 * exactly one range, so candles computed per range and concatenated are the candles of the whole.
 */
export function splitRange(
  startMs: number,
  endMs: number,
  intervalMs: number,
  parts = CANDLE_QUERY_PARTS,
  minBuckets = MIN_BUCKETS_TO_SPLIT,
): [number, number][] {
  const first = bucketStart(startMs, intervalMs);
  const buckets = (bucketCeil(endMs, intervalMs) - first) / intervalMs;
  if (buckets < minBuckets || parts < 2) return [[startMs, endMs]];
  const perPart = Math.ceil(buckets / parts);
  const ranges: [number, number][] = [];
  let from = startMs;
  for (let part = 1; part < parts; part++) {
    const boundary = first + part * perPart * intervalMs;
    if (boundary <= from || boundary >= endMs) continue;
    ranges.push([from, boundary]);
    from = boundary;
  }
  ranges.push([from, endMs]);
  return ranges;
}
