import type { Fragment, TransactionSql } from 'postgres';
import type { Sql } from '../../../../shared/db/client.js';
import { bucketStart } from '../../../../shared/market/candle-intervals.js';

/** A candle ready to serve: its JSON text as the API prints it (candleJson()). */
export type CandleJson = string;

/** Fragments are built by whichever client runs the query: the pool or a transaction. */
type SqlTag = Sql | TransactionSql;

export const iso = (ms: number) => new Date(ms).toISOString();

/** The bucket length as a PostgreSQL interval parameter. */
export const intervalParam = (intervalMs: number) => `${intervalMs / 1000} seconds`;

/**
 * OHLCV per bucket of the trades in [fromMs, toMs), as exact numerics. Per bucket: one index probe
 * for the open (first by ts, then seq: trades sharing a timestamp keep their publish order), which
 * also skips empty buckets, one index range scan for high, low, volume and count, one probe for the
 * close. Measured ~3× faster than one pass with array_agg(... order by ...) for open and close,
 * which sorts every bucket. vwap = Σ price·volume / Σ volume, rounded half up to 8 decimals from
 * at least 30.
 */
export function aggregateTrades(
  sql: SqlTag,
  symbol: string,
  intervalMs: number,
  fromMs: number,
  toMs: number,
): Fragment {
  const firstBucket = bucketStart(fromMs, intervalMs);
  // An empty range yields an empty series: its last bucket comes before its first.
  const lastBucket = toMs > fromMs ? bucketStart(toMs - 1, intervalMs) : firstBucket - intervalMs;
  const buckets = sql`generate_series(${iso(firstBucket)}::timestamptz, ${iso(lastBucket)}::timestamptz,
                                      ${intervalParam(intervalMs)}::interval) as b`;
  return aggregateBuckets(sql, symbol, intervalMs, buckets, { fromMs, toMs });
}

/**
 * aggregateTrades() over the buckets `buckets` lists (a FROM item with their starts in column `b`),
 * each bucket whole, or cut to [fromMs, toMs) when given.
 */
export function aggregateBuckets(
  sql: SqlTag,
  symbol: string,
  intervalMs: number,
  buckets: Fragment,
  within?: { fromMs: number; toMs: number },
): Fragment {
  const end = sql`b + ${intervalParam(intervalMs)}::interval`;
  const from = within === undefined ? sql`b` : sql`greatest(b, ${iso(within.fromMs)}::timestamptz)`;
  const to = within === undefined ? end : sql`least(${end}, ${iso(within.toMs)}::timestamptz)`;
  return sql`
    select b as bucket, o.open, a.high, a.low, c.close, a.volume,
           round(a.pv::numeric(60, 30) / a.volume, 8) as vwap, a.trade_count
    from ${buckets}
    cross join lateral (
      select price as open from trades
      where symbol = ${symbol} and ts >= ${from} and ts < ${to}
      order by ts, seq limit 1
    ) o
    cross join lateral (
      select max(price) as high, min(price) as low, sum(volume) as volume,
             sum(price * volume) as pv, count(*)::int as trade_count
      from trades
      where symbol = ${symbol} and ts >= ${from} and ts < ${to}
    ) a
    cross join lateral (
      select price as close from trades
      where symbol = ${symbol} and ts >= ${from} and ts < ${to}
      order by ts desc, seq desc limit 1
    ) c`;
}

/**
 * A candle as the API prints it, rendered by PostgreSQL from a row with the columns of
 * aggregateTrades() (or of the candles table): the JSON text of one element of /candles'
 * `candles`, exact decimals without trailing zeros, the bucket start in ISO 8601, keys in the order
 * JSON.stringify gives a Candle. Building a day's 1,440 candles as objects and serializing them
 * again took most of a stored day's answer; the values are digits, dots, dashes, colons and
 * letters, which JSON needs no escaping for.
 */
export function candleJson(sql: SqlTag): Fragment {
  return sql`'{"timestamp":"' || to_char(bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
      || '","open":"' || trim_scale(open) || '","high":"' || trim_scale(high)
      || '","low":"' || trim_scale(low) || '","close":"' || trim_scale(close)
      || '","volume":"' || trim_scale(volume) || '","vwap":"' || trim_scale(vwap)
      || '","trade_count":' || trade_count || '}'`;
}

/** Candles of [fromMs, toMs) computed from the trades, nothing read from or written to the store. */
export async function computeCandles(
  sql: Sql,
  symbol: string,
  intervalMs: number,
  fromMs: number,
  toMs: number,
): Promise<CandleJson[]> {
  const rows = await sql`
    select ${candleJson(sql)}
    from (${aggregateTrades(sql, symbol, intervalMs, fromMs, toMs)}) computed
    order by bucket`.values();
  return (rows as unknown as [CandleJson][]).map(([json]) => json);
}

/** The close before `start`: what empty buckets at the start of a filled range carry. */
export async function fetchCloseBefore(
  sql: Sql,
  symbol: string,
  start: Date,
): Promise<string | null> {
  const [row] = await sql<{ price: string }[]>`
    select trim_scale(price)::text as price from trades
    where symbol = ${symbol} and ts < ${start.toISOString()}::text::timestamptz
    order by ts desc, seq desc
    limit 1`;
  return row?.price ?? null;
}
