import type { Bucket, LocalBuckets } from '../../../shared/candles/local-buckets.js';
import { invalidParameter } from '../../../shared/http/app-error.js';
import type { BucketWindow } from './bucket-window.js';

/** A window of local buckets and the buckets this answer covers. */
export interface LocalBucketWindow extends BucketWindow {
  buckets: Bucket[];
}

/**
 * bucketWindow() for buckets of different lengths (local days, calendar months): [start, end),
 * `end` now and `start` `limit` buckets before it by default; at most `limit` buckets answered,
 * the rest the next request's.
 *
 * @throws AppError 400 when start is not before end.
 */
export function localBucketWindow(
  query: { start?: Date | undefined; end?: Date | undefined; limit: number },
  calendar: LocalBuckets,
): LocalBucketWindow {
  const end = query.end ?? new Date();
  let startMs = query.start?.getTime();
  if (startMs === undefined) {
    let bucket = calendar.bucketAt(end.getTime() - 1);
    // No further back than 1970, where timestamps start (10y × 5000 would leave the calendar).
    for (let i = 1; i < query.limit && bucket.startMs > 0; i++)
      bucket = calendar.bucketAt(bucket.startMs - 1);
    startMs = bucket.startMs;
  }
  const start = new Date(startMs);
  if (startMs >= end.getTime()) throw invalidParameter('start', 'must be before end');
  const buckets = calendar.between(startMs, end.getTime(), query.limit);
  const windowEndMs = Math.min(end.getTime(), buckets.at(-1)?.endMs ?? end.getTime());
  return {
    start,
    end,
    windowEndMs,
    nextStart: windowEndMs < end.getTime() ? new Date(windowEndMs).toISOString() : null,
    buckets,
  };
}
