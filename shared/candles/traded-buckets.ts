import type { Fragment } from 'postgres';
import type { Sql } from '../db/client.js';
import { BUCKET_ORIGIN_MS } from '../market/candle-intervals.js';
import { aggregateCandles } from './aggregate-candles.js';
import { fixedBuckets, intervalParam, iso } from './aggregate-trades.js';
import type { CandleFormat } from './candle-format.js';

/**
 * The candles of the last `count` traded buckets before `beforeMs` (fewer when the symbol's history
 * is shorter), in time order. One index probe per bucket, walking back from trade to trade, then
 * the candles of those buckets alone: the cost follows `count`, not the time the buckets span, so
 * a thinly traded symbol, or a range far from any trade, costs no more than a busy one.
 */
export async function candlesOfTradedBucketsBefore<T>(
  sql: Sql,
  {
    symbol,
    intervalMs,
    beforeMs,
    count,
  }: { symbol: string; intervalMs: number; beforeMs: number; count: number },
  format: CandleFormat<T>,
): Promise<T[]> {
  if (count <= 0) return [];
  const bucketOf = (ts: Fragment) =>
    sql`date_bin(${intervalParam(intervalMs)}::interval, ${ts}, ${iso(BUCKET_ORIGIN_MS)}::timestamptz)`;
  const rows = (await sql`
    with recursive back(b, n) as (
      select ${bucketOf(sql`max(ts)`)}, 1
      from trades where symbol = ${symbol} and ts < ${iso(beforeMs)}::timestamptz
      union all
      select (select ${bucketOf(sql`max(t.ts)`)} from trades t
              where t.symbol = ${symbol} and t.ts < back.b),
             back.n + 1
      from back
      where back.b is not null and back.n < ${count}
    ), traded as (
      select b from back where b is not null
    )
    select ${format.select(sql, 'computed')}
    from (${aggregateCandles(sql, symbol, fixedBuckets(sql, intervalMs, sql`traded`), { shortestBucketMs: intervalMs })}) computed
    order by bucket`.values()) as unknown as unknown[][];
  return rows.map((values) => format.decode(values));
}
