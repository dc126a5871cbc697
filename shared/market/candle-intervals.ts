const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Supported candle intervals and their length. Every one divides a week, so one origin aligns them all. */
export const INTERVALS = {
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '4h': 4 * HOUR,
  '6h': 6 * HOUR,
  '12h': 12 * HOUR,
  '1d': DAY,
  '1w': 7 * DAY,
} as const;

export type IntervalName = keyof typeof INTERVALS;
export const INTERVAL_NAMES = Object.keys(INTERVALS) as IntervalName[];

/**
 * Monday 1970-01-05T00:00Z: buckets are counted from here, so 1m buckets start on the minute,
 * 1d at 00:00Z and 1w on Mondays at 00:00Z (the epoch itself was a Thursday).
 */
export const BUCKET_ORIGIN_MS = Date.UTC(1970, 0, 5);

/** The start of the bucket of `interval` that contains `ms`. */
export function bucketStart(ms: number, intervalMs: number): number {
  return BUCKET_ORIGIN_MS + Math.floor((ms - BUCKET_ORIGIN_MS) / intervalMs) * intervalMs;
}

/** Each interval's length in seconds, as the `candles` table keys it. */
export const INTERVAL_SECONDS = Object.values(INTERVALS).map((ms) => ms / 1000);

/** The first bucket boundary at or after `ms`. */
export function bucketCeil(ms: number, intervalMs: number): number {
  const start = bucketStart(ms, intervalMs);
  return start === ms ? ms : start + intervalMs;
}
