import { CANDLE_CACHE_GRACE_SECONDS } from '../../../../shared/db/candle-cache.js';
import type { Sql } from '../../../../shared/db/client.js';
import { bucketCeil, bucketStart } from '../../../../shared/market/candle-intervals.js';
import { computeCandles, type CandleJson } from './candles.queries.js';
import {
  readStoredWindow,
  storeMissingBuckets,
  type CandleWindow,
  type StoredRead,
} from './candle-store.queries.js';
import { MIN_BUCKETS_TO_SPLIT, splitRange } from './split-range.js';

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
 * `candles` table, the missing ones computed and stored there first; partial and recent buckets
 * are computed fresh every time. A long range is computed in parts side by side (split-range.ts).
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
  const computeFresh = async (): Promise<CandleJson[]> => {
    const parts = splitRange(startMs, endMs, intervalMs);
    const computed = await Promise.all(
      parts.map(([from, to]) => computeCandles(sql, symbol, intervalMs, from, to)),
    );
    return computed.flat();
  };
  if (storedFromMs >= storedToMs) return { rows: await computeFresh(), source: 'computed' };

  const window = { symbol, intervalMs, startMs, endMs, storedFromMs, storedToMs };
  const first = await readStoredWindow(sql, window);
  const missing = missingBuckets(first, window);
  if (missing === 0) return { rows: first.rows, source: 'stored' };
  // Many missing buckets are computed in parts side by side, each stored under its own lock.
  const parts =
    missing >= MIN_BUCKETS_TO_SPLIT
      ? splitRange(storedFromMs, storedToMs, intervalMs)
      : [[storedFromMs, storedToMs] as const];
  await Promise.all(
    parts.map(([from, to]) =>
      storeMissingBuckets(sql, { symbol, intervalMs, storedFromMs: from, storedToMs: to }),
    ),
  );
  const again = await readStoredWindow(sql, window);
  if (missingBuckets(again, window) === 0) return { rows: again.rows, source: 'stored_now' };
  // A late trade deleted a bucket in between, or the database's clock is behind the app's by more
  // than the allowance: the answer is computed fresh, and the store catches up next time.
  return { rows: await computeFresh(), source: 'computed' };
}

/** Closed buckets of the window the store should hold and does not: from the first trade's on. */
function missingBuckets(read: StoredRead, w: CandleWindow): number {
  const firstStorableMs =
    read.firstTradeMs === null
      ? w.storedToMs
      : Math.max(w.storedFromMs, bucketStart(read.firstTradeMs, w.intervalMs));
  const expected = Math.max(0, (w.storedToMs - firstStorableMs) / w.intervalMs);
  return Math.max(0, expected - read.storedBuckets);
}
