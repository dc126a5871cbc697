import type { Sql } from '../db/client.js';
import { readerOf, writerOf, type Db } from '../db/read-write.js';
import { bucketCeil, bucketStart } from '../market/candle-intervals.js';
import { isStoredInterval } from '../market/interval-grammar.js';
import { aggregateRange } from './aggregate-candles.js';
import type { CandleRequest } from './candle.js';
import { CANDLE_CACHE_GRACE_SECONDS } from './candle-cache.js';
import type { CandleFormat } from './candle-format.js';
import {
  readStoredWindow,
  storeMissingBuckets,
  type CandleWindow,
  type StoredRead,
} from './candle-store.js';
import { MIN_BUCKETS_TO_SPLIT, splitRange } from './split-range.js';

/**
 * The app's clock may run a little ahead of the database's, which decides what is stored: asking
 * the store for a bucket it will not hold yet would recompute it on every request.
 */
const CLOCK_SKEW_ALLOWANCE_MS = 5_000;

/**
 * Candles of [startMs, endMs), traded buckets only, in time order: full buckets that closed more
 * than a grace period ago come from the `candles` table, the missing ones computed and stored there
 * first; partial and recent buckets are computed fresh every time. A long range is computed in
 * parts side by side (split-range.ts).
 */
export async function loadCandles<T>(
  db: Db,
  { symbol, intervalMs, startMs, endMs, knownAtMs }: CandleRequest,
  nowMs: number,
  format: CandleFormat<T>,
): Promise<T[]> {
  const closedBefore = nowMs - CANDLE_CACHE_GRACE_SECONDS * 1000 - CLOCK_SKEW_ALLOWANCE_MS;
  const storedFromMs = bucketCeil(startMs, intervalMs);
  const storedToMs = Math.min(
    bucketStart(endMs, intervalMs),
    bucketStart(closedBefore, intervalMs),
  );
  // Reads from the replica when there is one; the candles kept are written to the primary, so a
  // read right after storing may not find them yet (replication lag) and computes them fresh.
  const sql = readerOf(db);
  const computeFresh = async (): Promise<T[]> => {
    const parts = splitRange(startMs, endMs, intervalMs);
    const computed = await Promise.all(
      parts.map(([from, to]) =>
        computeCandles(sql, { symbol, intervalMs, startMs: from, endMs: to, knownAtMs }, format),
      ),
    );
    return computed.flat();
  };
  // An as-of answer never reads the store: a stored candle may hold trades stored after then.
  // Nor does a length whose stored candles nothing would invalidate on a late trade.
  if (storedFromMs >= storedToMs || knownAtMs !== undefined || !isStoredInterval(intervalMs))
    return computeFresh();

  const window = { symbol, intervalMs, startMs, endMs, storedFromMs, storedToMs };
  const first = await readStoredWindow(sql, window, format);
  const missing = missingBuckets(first, window);
  if (missing === 0) return first.candles;
  // Many missing buckets are computed in parts side by side, each stored under its own lock.
  const parts =
    missing >= MIN_BUCKETS_TO_SPLIT
      ? splitRange(storedFromMs, storedToMs, intervalMs)
      : [[storedFromMs, storedToMs] as const];
  await Promise.all(
    parts.map(([from, to]) =>
      storeMissingBuckets(writerOf(db), {
        symbol,
        intervalMs,
        storedFromMs: from,
        storedToMs: to,
      }),
    ),
  );
  const again = await readStoredWindow(sql, window, format);
  if (missingBuckets(again, window) === 0) return again.candles;
  // A late trade deleted a bucket in between, or the database's clock is behind the app's by more
  // than the allowance: the answer is computed fresh, and the store catches up next time.
  return computeFresh();
}

/**
 * Candles of the request computed from the trades or their minute rollups (aggregate-candles.ts),
 * nothing read from or written to the store.
 */
export async function computeCandles<T>(
  sql: Sql,
  { symbol, intervalMs, startMs, endMs, knownAtMs }: CandleRequest,
  format: CandleFormat<T>,
): Promise<T[]> {
  const rows = (await sql`
    select ${format.select(sql, 'computed')}
    from (${aggregateRange(sql, symbol, intervalMs, startMs, endMs, knownAtMs)}) computed
    order by bucket`.values()) as unknown as unknown[][];
  return rows.map((values) => format.decode(values));
}

/** Closed buckets of the window the store should hold and does not: from the first trade's on. */
function missingBuckets(read: StoredRead<unknown>, w: CandleWindow): number {
  const firstStorableMs =
    read.firstTradeMs === null
      ? w.storedToMs
      : Math.max(w.storedFromMs, bucketStart(read.firstTradeMs, w.intervalMs));
  const expected = Math.max(0, (w.storedToMs - firstStorableMs) / w.intervalMs);
  return Math.max(0, expected - read.storedBuckets);
}
