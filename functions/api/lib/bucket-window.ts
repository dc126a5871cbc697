import { invalidParameter } from '../../../shared/http/app-error.js';
import { bucketStart } from '../../../shared/market/candle-intervals.js';

/** A bucketed range as the query gave it, and the part of it this request answers. */
export interface BucketWindow {
  start: Date;
  end: Date;
  /** Where this answer stops: `end`, or `limit` buckets after the first, whichever comes first. */
  windowEndMs: number;
  /** Where the next request starts, when this one stops short of `end`. */
  nextStart: string | null;
}

/**
 * The range of a bucketed route (/candles, /indicators): [start, end), `end` now and `start`
 * `limit` buckets before it by default. Work is bounded by `limit` buckets whatever the range: the
 * rest is the next request's.
 *
 * @throws AppError 400 when start is not before end.
 */
export function bucketWindow(
  query: { start?: Date | undefined; end?: Date | undefined; limit: number },
  intervalMs: number,
): BucketWindow {
  const end = query.end ?? new Date();
  const start =
    query.start ??
    new Date(bucketStart(end.getTime() - 1, intervalMs) - (query.limit - 1) * intervalMs);
  if (start.getTime() >= end.getTime()) throw invalidParameter('start', 'must be before end');
  const firstBucketMs = bucketStart(start.getTime(), intervalMs);
  const windowEndMs = Math.min(end.getTime(), firstBucketMs + query.limit * intervalMs);
  return {
    start,
    end,
    windowEndMs,
    nextStart: windowEndMs < end.getTime() ? new Date(windowEndMs).toISOString() : null,
  };
}
