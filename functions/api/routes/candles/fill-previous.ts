export interface Candle {
  timestamp: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  vwap: string;
  trade_count: number;
}

/**
 * Every bucket from `firstBucketMs` up to (excluding) `endMs`: traded buckets as they are, empty
 * ones as zero-volume candles at the previous close (the exchanges' convention). Empty buckets
 * before any known price are left out: there is no close to carry.
 */
export function fillPrevious(
  candles: Candle[],
  {
    firstBucketMs,
    endMs,
    intervalMs,
    previousClose,
  }: { firstBucketMs: number; endMs: number; intervalMs: number; previousClose: string | null },
): Candle[] {
  const byStart = new Map(candles.map((candle) => [Date.parse(candle.timestamp), candle]));
  const filled: Candle[] = [];
  let close = previousClose;
  for (let bucket = firstBucketMs; bucket < endMs; bucket += intervalMs) {
    const traded = byStart.get(bucket);
    if (traded !== undefined) {
      filled.push(traded);
      close = traded.close;
    } else if (close !== null) {
      const timestamp = new Date(bucket).toISOString();
      filled.push({
        timestamp,
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
