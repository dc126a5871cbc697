import { CANDLE_CACHE_GRACE_SECONDS } from '../../../../shared/db/candle-cache.js';
import type { Sql } from '../../../../shared/db/client.js';
import { bucketCeil, bucketStart } from '../../../../shared/market/candle-intervals.js';
import { computeCandles, type CandleJson } from './candles.queries.js';
import { computeAndStoreWindow, readStoredWindow } from './candle-store.queries.js';
import { splitRange } from './split-range.js';

/**
 * The app's clock may run a little ahead of the database's, which decides what is stored: asking
 * the store for a bucket it will not hold yet would recompute it on every request.
 */
const CLOCK_SKEW_ALLOWANCE_MS = 5_000;

export interface CandleRequest {
  symbol: string;
  intervalMs: number;
  startMs: number;
  endMs: number;
}

export type CandleSource = 'computed' | 'stored' | 'stored_now';

/**
 * Candles of [startMs, endMs): full buckets that closed more than a grace period ago come from the
 * `candles` table, stored there the first time they are asked for; partial and recent buckets are
 * computed fresh every time. A long range is computed in parts side by side (split-range.ts).
 */
export async function loadCandles(
  sql: Sql,
  { symbol, intervalMs, startMs, endMs }: CandleRequest,
  nowMs: number,
): Promise<{ rows: CandleJson[]; source: CandleSource }> {
  const closedBefore = nowMs - CANDLE_CACHE_GRACE_SECONDS * 1000 - CLOCK_SKEW_ALLOWANCE_MS;
  const storedFromMs = bucketCeil(startMs, intervalMs);
  const storedToMs = Math.min(
    bucketStart(endMs, intervalMs),
    bucketStart(closedBefore, intervalMs),
  );
  const parts = splitRange(startMs, endMs, intervalMs);
  if (storedFromMs >= storedToMs) {
    const computed = await Promise.all(
      parts.map(([from, to]) => computeCandles(sql, symbol, intervalMs, from, to)),
    );
    return { rows: computed.flat(), source: 'computed' };
  }
  const window = { symbol, intervalMs, startMs, endMs, storedFromMs, storedToMs };
  const read = await readStoredWindow(sql, window);
  // Stored rows exist from the first trade's bucket on: before it there is nothing to store.
  const firstStorableMs =
    read.firstTradeMs === null
      ? storedToMs
      : Math.max(storedFromMs, bucketStart(read.firstTradeMs, intervalMs));
  const expected = Math.max(0, (storedToMs - firstStorableMs) / intervalMs);
  if (read.storedBuckets >= expected) return { rows: read.rows, source: 'stored' };
  // Each part stores its own buckets under its own lock, as a whole window would.
  const clamp = (ms: number, from: number, to: number) => Math.min(Math.max(ms, from), to);
  const computed = await Promise.all(
    parts.map(([from, to]) =>
      computeAndStoreWindow(sql, {
        ...window,
        startMs: from,
        endMs: to,
        storedFromMs: clamp(storedFromMs, from, to),
        storedToMs: clamp(storedToMs, from, to),
      }),
    ),
  );
  return { rows: computed.flat(), source: 'stored_now' };
}
