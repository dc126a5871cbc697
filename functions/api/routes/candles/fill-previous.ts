import type { CandleJson } from './candles.queries.js';

/** A candle as the API prints it (the shape candleJson() renders in PostgreSQL). */
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
 * before any known price are left out: there is no close to carry. Traded candles are parsed for
 * their start and close, which only a filled answer needs.
 */
export function fillPrevious(
  candles: CandleJson[],
  {
    firstBucketMs,
    endMs,
    intervalMs,
    previousClose,
  }: { firstBucketMs: number; endMs: number; intervalMs: number; previousClose: string | null },
): CandleJson[] {
  const byStart = new Map(
    candles.map((json) => {
      const candle = JSON.parse(json) as Candle;
      return [Date.parse(candle.timestamp), { json, close: candle.close }];
    }),
  );
  const filled: CandleJson[] = [];
  let close = previousClose;
  for (let bucket = firstBucketMs; bucket < endMs; bucket += intervalMs) {
    const traded = byStart.get(bucket);
    if (traded !== undefined) {
      filled.push(traded.json);
      close = traded.close;
    } else if (close !== null) {
      const empty: Candle = {
        timestamp: new Date(bucket).toISOString(),
        open: close,
        high: close,
        low: close,
        close,
        volume: '0',
        vwap: close,
        trade_count: 0,
      };
      filled.push(JSON.stringify(empty));
    }
  }
  return filled;
}
