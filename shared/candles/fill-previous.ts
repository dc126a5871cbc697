import { bucketStart } from '../market/candle-intervals.js';
import { fetchLastPriceBefore } from '../trades/trades.queries.js';
import type { Candle, CandleRequest } from './candle.js';
import { candleValues } from './candle-format.js';
import { loadCandles } from './load-candles.js';
import { readerOf, type Db } from '../db/read-write.js';

/**
 * Every bucket from `firstBucketMs` up to (excluding) `endMs`: traded buckets as they are, empty
 * ones as zero-volume candles at the previous close (the exchanges' convention). Empty buckets
 * before any known price are left out: there is no close to carry.
 */
export function fillPrevious(
  candles: readonly Candle[],
  {
    firstBucketMs,
    endMs,
    intervalMs,
    previousClose,
  }: { firstBucketMs: number; endMs: number; intervalMs: number; previousClose: string | null },
): Candle[] {
  const starts: number[] = [];
  for (let bucket = firstBucketMs; bucket < endMs; bucket += intervalMs) starts.push(bucket);
  return fillPreviousAt(candles, starts, previousClose);
}

/**
 * Every bucket that starts at one of `bucketStarts` (in order): traded ones as they are, empty ones
 * as zero-volume candles at the previous close; before any known price, none. fillPrevious() for
 * buckets of different lengths (local days, calendar months).
 */
export function fillPreviousAt(
  candles: readonly Candle[],
  bucketStarts: readonly number[],
  previousClose: string | null,
): Candle[] {
  const byStart = new Map(candles.map((candle) => [Date.parse(candle.timestamp), candle]));
  const filled: Candle[] = [];
  let close = previousClose;
  for (const bucket of bucketStarts) {
    const traded = byStart.get(bucket);
    if (traded !== undefined) {
      filled.push(traded);
      close = traded.close;
    } else if (close !== null) {
      filled.push({
        timestamp: new Date(bucket).toISOString(),
        open: close,
        high: close,
        low: close,
        close,
        volume: '0',
        vwap: close,
        trade_count: 0,
      });
    }
  }
  return filled;
}

/** Every bucket of the request, empty ones filled with the previous close (fillPrevious). */
export async function loadFilledCandles(
  db: Db,
  request: CandleRequest,
  nowMs: number,
): Promise<Candle[]> {
  const [candles, previousClose] = await Promise.all([
    loadCandles(db, request, nowMs, candleValues),
    fetchLastPriceBefore(readerOf(db), request.symbol, request.startMs, request.knownAtMs),
  ]);
  return fillPrevious(candles, {
    firstBucketMs: bucketStart(request.startMs, request.intervalMs),
    endMs: request.endMs,
    intervalMs: request.intervalMs,
    previousClose,
  });
}
