import type { Sql } from '../db/client.js';
import { BUCKET_ORIGIN_MS } from '../market/candle-intervals.js';
import { aggregateCandles, aggregateRange } from './aggregate-candles.js';
import { fixedBuckets, intervalParam, iso } from './aggregate-trades.js';
import { CANDLE_CACHE_GRACE_SECONDS, lockSymbolForStoring } from './candle-cache.js';
import type { CandleFormat } from './candle-format.js';

/** A request's window: the full closed buckets in [storedFromMs, storedToMs) may come from the store. */
export interface CandleWindow {
  symbol: string;
  intervalMs: number;
  startMs: number;
  endMs: number;
  storedFromMs: number;
  storedToMs: number;
}

export interface StoredRead<T> {
  /** Stored candles of traded buckets, plus fresh ones for the rest of the window, in time order. */
  candles: T[];
  /** Stored buckets found, empty ones included. */
  storedBuckets: number;
  firstTradeMs: number | null;
}

/**
 * One statement: the stored buckets of the window and the edges (partial or still open buckets)
 * computed fresh, from one snapshot. The caller checks storedBuckets for completeness.
 */
export async function readStoredWindow<T>(
  sql: Sql,
  w: CandleWindow,
  format: CandleFormat<T>,
): Promise<StoredRead<T>> {
  const inWindow = sql`
    symbol = ${w.symbol} and interval_seconds = ${w.intervalMs / 1000}
    and bucket >= ${iso(w.storedFromMs)}::timestamptz and bucket < ${iso(w.storedToMs)}::timestamptz`;
  // The format's columns, named for the outer select: c1, c2, ...
  const columns = Array.from({ length: format.columns }, (_, i) => `c${i + 1}`).join(', ');
  // One meta row first (no bucket), then every row of the window in bucket order, all from one
  // snapshot, each of a kind: 1 a stored candle, 2 a stored empty bucket, 3 a candle computed
  // fresh. Counting the stored buckets here, not in a subquery, reads the window's index once.
  // The bucket orders the rows without being sent, and the first trade's time is a number: a
  // Date per row costs more than the query.
  const rows = (await sql`
    select ${sql.unsafe(columns)}, kind, first_trade_ms
    from (
      select ${sql.unsafe(Array(format.columns).fill('null').join(', '))}, 0,
             (select extract(epoch from min(ts)) * 1000 from trades where symbol = ${w.symbol})::float8,
             null::timestamptz
      union all select ${format.select(sql, 'stored')}, case when trade_count > 0 then 1 else 2 end,
             null, bucket
        from candles where ${inWindow}
      union all select ${format.select(sql, 'computed')}, 3, null, bucket
        from (${aggregateRange(sql, w.symbol, w.intervalMs, w.startMs, w.storedFromMs)}) head
      union all select ${format.select(sql, 'computed')}, 3, null, bucket
        from (${aggregateRange(sql, w.symbol, w.intervalMs, w.storedToMs, w.endMs)}) tail
    ) as answer(${sql.unsafe(columns)}, kind, first_trade_ms, bucket)
    order by bucket nulls first`.values()) as unknown as unknown[][];
  const kindAt = format.columns;
  const candles: T[] = [];
  let storedBuckets = 0;
  for (let i = 1; i < rows.length; i++) {
    const values = rows[i] as unknown[];
    const kind = values[kindAt] as number;
    if (kind !== 3) storedBuckets++;
    if (kind !== 2) candles.push(format.decode(values));
  }
  return {
    candles,
    storedBuckets,
    firstTradeMs: (rows[0]?.[kindAt + 1] as number | null | undefined) ?? null,
  };
}

/**
 * Computes and stores the closed buckets of [storedFromMs, storedToMs) that the store lacks (empty
 * ones as trade_count 0), from the first trade's bucket on; nothing else. When a minute closes,
 * a window of 500 buckets then costs one bucket's work, not 500. The shared lock comes first, in
 * its own statement, so the computing statement's snapshot includes every late trade committed
 * before it (candle-cache.ts). The database renders each row's served JSON (migration 0007).
 */
export async function storeMissingBuckets(
  sql: Sql,
  w: Pick<CandleWindow, 'symbol' | 'intervalMs' | 'storedFromMs' | 'storedToMs'>,
): Promise<number> {
  const interval = intervalParam(w.intervalMs);
  const origin = new Date(BUCKET_ORIGIN_MS).toISOString();
  const intervalSeconds = w.intervalMs / 1000;
  return sql.begin(async (tx) => {
    await lockSymbolForStoring(tx, w.symbol);
    // The store is a cache of what the rollups and trades give: its commit need not wait for the
    // WAL to reach the disk (crash-safe all the same; a candle lost in a crash is computed again).
    // That wait was most of a day of 1m candles' first request (docs/benchmarks.md).
    await tx`select set_config('synchronous_commit', 'off', true)`;
    const stored = await tx`
      with missing as (
        select b
        from generate_series(
          ${iso(w.storedFromMs)}::timestamptz,
          ${iso(w.storedToMs)}::timestamptz - ${interval}::interval,
          ${interval}::interval
        ) as b
        where b >= date_bin(${interval}::interval,
                            (select min(ts) from trades where symbol = ${w.symbol}),
                            ${origin}::timestamptz)
          and b + ${interval}::interval
              <= statement_timestamp() - make_interval(secs => ${CANDLE_CACHE_GRACE_SECONDS})
          and not exists (
            select 1 from candles
            where symbol = ${w.symbol} and interval_seconds = ${intervalSeconds} and bucket = b
          )
      )
      insert into candles (symbol, interval_seconds, bucket, open, high, low, close, volume, vwap, trade_count)
      -- Each missing bucket once: its candle, or else an empty row. Not a join of the two: the
      -- planner, misjudging how many buckets generate_series leaves, nested-looped 1,440 × 1,440.
      select distinct on (bucket) ${w.symbol}, ${intervalSeconds}, bucket, open, high, low, close,
             volume, vwap, trade_count
      from (
        select bucket, open, high, low, close, volume, vwap, trade_count
        from (${aggregateCandles(tx, w.symbol, fixedBuckets(tx, w.intervalMs, tx`missing`), {
          shortestBucketMs: w.intervalMs,
        })}) c
        union all
        select b, null, null, null, null, null, null, 0 from missing
      ) candidate
      order by bucket, trade_count desc
      on conflict (symbol, interval_seconds, bucket) do nothing`;
    return stored.count;
  });
}
