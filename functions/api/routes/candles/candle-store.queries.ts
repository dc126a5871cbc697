import {
  CANDLE_CACHE_GRACE_SECONDS,
  CANDLE_LOCK_NAMESPACE,
} from '../../../../shared/db/candle-cache.js';
import type { Sql } from '../../../../shared/db/client.js';
import { BUCKET_ORIGIN_MS } from '../../../../shared/market/candle-intervals.js';
import {
  aggregateBuckets,
  aggregateTrades,
  candleJson,
  type CandleJson,
  intervalParam,
  iso,
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
  rows: CandleJson[];
  /** Stored buckets found, empty ones included. */
  storedBuckets: number;
  firstTradeMs: number | null;
}

/**
 * One statement: the stored buckets of the window and the edges (partial or still open buckets)
 * computed fresh, from one snapshot. The caller checks storedBuckets for completeness.
 */
export async function readStoredWindow(sql: Sql, w: CandleWindow): Promise<StoredRead> {
  const inWindow = sql`
    symbol = ${w.symbol} and interval_seconds = ${w.intervalMs / 1000}
    and bucket >= ${iso(w.storedFromMs)}::timestamptz and bucket < ${iso(w.storedToMs)}::timestamptz`;
  // The candles in bucket order after one meta row (no bucket), all from one snapshot. The stored
  // candles come straight from the table's index, their JSON as stored: a CTE read twice
  // (candles and count) was copied whole first, JSON included (~7 ms of 9 for a day of 1m).
  const result = await sql`
    select json, stored_buckets, first_trade_ms
    from (
      select null::timestamptz as bucket, null::numeric as close, null::text as json,
             (select count(*) from candles where ${inWindow})::int as stored_buckets,
             -- A number, not a timestamp: 1,440 Dates cost more than the query.
             (select extract(epoch from min(ts)) * 1000 from trades where symbol = ${w.symbol})::float8
               as first_trade_ms
      -- Rows stored without their JSON (before migration 0006) are rendered here.
      union all select bucket, close, coalesce(json, ${candleJson(sql)}), null, null
        from candles where ${inWindow} and trade_count > 0
      union all select bucket, close, ${candleJson(sql)}, null, null
        from (${aggregateTrades(sql, w.symbol, w.intervalMs, w.startMs, w.storedFromMs)}) head
      union all select bucket, close, ${candleJson(sql)}, null, null
        from (${aggregateTrades(sql, w.symbol, w.intervalMs, w.storedToMs, w.endMs)}) tail
    ) answer
    order by bucket nulls first`.values();
  const [meta, ...rows] = result as unknown as [CandleJson, number, number | null][];
  return {
    rows: rows.map(([json]) => json),
    storedBuckets: meta?.[1] ?? 0,
    firstTradeMs: meta?.[2] ?? null,
  };
}

/**
 * Computes and stores the closed buckets of [storedFromMs, storedToMs) that the store lacks (empty
 * ones as trade_count 0), from the first trade's bucket on; nothing else. When a minute closes,
 * a window of 500 buckets then costs one bucket's work, not 500. The shared lock comes first, in
 * its own statement, so the computing statement's snapshot includes every late trade committed
 * before it (shared/db/candle-cache.ts).
 */
export async function storeMissingBuckets(
  sql: Sql,
  w: Pick<CandleWindow, 'symbol' | 'intervalMs' | 'storedFromMs' | 'storedToMs'>,
): Promise<number> {
  const interval = intervalParam(w.intervalMs);
  const origin = new Date(BUCKET_ORIGIN_MS).toISOString();
  const intervalSeconds = w.intervalMs / 1000;
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock_shared(${CANDLE_LOCK_NAMESPACE}, hashtext(${w.symbol}))`;
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
      ), computed as (
        select *, ${candleJson(tx)} as json
        from (${aggregateBuckets(tx, w.symbol, w.intervalMs, tx`missing`)}) aggregated
      )
      insert into candles (symbol, interval_seconds, bucket, open, high, low, close, volume, vwap, trade_count, json)
      select ${w.symbol}, ${intervalSeconds}, missing.b, c.open, c.high, c.low, c.close,
             c.volume, c.vwap, coalesce(c.trade_count, 0), c.json
      from missing left join computed c on c.bucket = missing.b
      on conflict (symbol, interval_seconds, bucket) do nothing`;
    return stored.count;
  });
}
