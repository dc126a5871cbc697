import {
  CANDLE_CACHE_GRACE_SECONDS,
  CANDLE_LOCK_NAMESPACE,
} from '../../../../shared/db/candle-cache.js';
import type { Sql } from '../../../../shared/db/client.js';
import { BUCKET_ORIGIN_MS } from '../../../../shared/market/candle-intervals.js';
import {
  aggregateTrades,
  candleColumns,
  candleFromValues,
  type CandleValues,
  intervalParam,
  iso,
  type CandleRow,
} from './candles.queries.js';

/** A request's window: the full closed buckets in [storedFromMs, storedToMs) may come from the store. */
export interface CandleWindow {
  symbol: string;
  intervalMs: number;
  startMs: number;
  endMs: number;
  storedFromMs: number;
  storedToMs: number;
}

export interface StoredRead {
  /** Stored candles of traded buckets, plus fresh ones for the rest of the window. */
  rows: CandleRow[];
  /** Stored buckets found, empty ones included. */
  storedBuckets: number;
  firstTradeMs: number | null;
}

/**
 * One statement: the stored buckets of the window and the edges (partial or still open buckets)
 * computed fresh, from one snapshot. The caller checks storedBuckets for completeness.
 */
export async function readStoredWindow(sql: Sql, w: CandleWindow): Promise<StoredRead> {
  // The meta row alone has no bucket when the window holds no candle at all.
  const result = await sql`
    with stored as (
      select bucket, open, high, low, close, volume, vwap, trade_count
      from candles
      where symbol = ${w.symbol} and interval_seconds = ${w.intervalMs / 1000}
        and bucket >= ${iso(w.storedFromMs)}::timestamptz and bucket < ${iso(w.storedToMs)}::timestamptz
    ), answer as (
      select * from stored where trade_count > 0
      union all ${aggregateTrades(sql, w.symbol, w.intervalMs, w.startMs, w.storedFromMs)}
      union all ${aggregateTrades(sql, w.symbol, w.intervalMs, w.storedToMs, w.endMs)}
    ), meta as (
      select (select count(*) from stored)::int as stored_buckets,
             -- A number, not a timestamp: it comes with every row, and 1,440 Dates cost more than the query.
             (select extract(epoch from min(ts)) * 1000 from trades where symbol = ${w.symbol})::float8 as first_trade_ms
    )
    select ${candleColumns(sql)}, meta.stored_buckets, meta.first_trade_ms
    from meta left join answer on true
    order by bucket`.values();
  // Arrays, not objects: each candle is built once in its final shape (~⅓ of this read's time).
  const rows = result as unknown as [...CandleValues, number, number | null][];
  const candles: CandleRow[] = [];
  // The bucket is null only in the meta row of a window without candles (left join).
  for (const values of rows)
    if ((values[0] as string | null) !== null) candles.push(candleFromValues(values));
  const first = rows[0];
  return { rows: candles, storedBuckets: first?.[8] ?? 0, firstTradeMs: first?.[9] ?? null };
}

/**
 * Computes the whole window fresh and stores its closed buckets (empty ones as trade_count 0) from
 * the first trade's bucket on. The shared lock comes first, in its own statement, so the computing
 * statement's snapshot includes every late trade committed before it (shared/db/candle-cache.ts).
 */
export async function computeAndStoreWindow(sql: Sql, w: CandleWindow): Promise<CandleRow[]> {
  const interval = intervalParam(w.intervalMs);
  const origin = new Date(BUCKET_ORIGIN_MS).toISOString();
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock_shared(${CANDLE_LOCK_NAMESPACE}, hashtext(${w.symbol}))`;
    const rows = await tx`
      with computed as (
        ${aggregateTrades(tx, w.symbol, w.intervalMs, w.startMs, w.endMs)}
      ), closed as (
        select b as bucket
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
      ), stored as (
        insert into candles (symbol, interval_seconds, bucket, open, high, low, close, volume, vwap, trade_count)
        select ${w.symbol}, ${w.intervalMs / 1000}, closed.bucket, c.open, c.high, c.low, c.close,
               c.volume, c.vwap, coalesce(c.trade_count, 0)
        from closed left join computed c using (bucket)
        on conflict (symbol, interval_seconds, bucket) do nothing
      )
      select ${candleColumns(tx)} from computed order by bucket`.values();
    return (rows as unknown as CandleValues[]).map(candleFromValues);
  });
}
