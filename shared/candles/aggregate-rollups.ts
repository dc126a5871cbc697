/**
 * The reading half of the rollups (tables `minute_rollups`, migration 0011, and `hour_rollups`,
 * migration 0015; persist writes them, minute-rollups.ts): candles of buckets that are whole
 * minutes, from a row per hour and per minute instead of every trade.
 */
import type { Fragment } from 'postgres';
import { iso, type SqlTag } from './aggregate-trades.js';
import { MINUTE_ORIGIN } from './minute-rollups.js';

/**
 * The same rows as aggregateBuckets() (bucket, open, high, low, close, volume, vwap, trade_count;
 * buckets without trades yield none), value for value, over the same FROM item (`b`, `e` per
 * bucket), each bucket whole or cut to `within`. Without an as-of: the rollups hold every trade
 * stored, whenever it was stored.
 *
 * A bucket whose bounds (after the cut) fall on whole minutes and that holds no whole UTC hour (1m,
 * 37m) reads its minute rollups: an index probe for the first minute's open, a range aggregate of
 * high, low, Σ volume, Σ price·volume and count, a probe for the last minute's close. Any other
 * bucket (a day; a bound inside a minute, as a range starting at 10:00:30 or ending now) is summed
 * from parts: its whole hours from `hour_rollups`, the whole minutes before and after them from
 * `minute_rollups`, the trades of its partial minutes read raw; the parts' opens and closes are
 * compared by (ts, seq), as the trades' own. vwap is rounded once, from the whole
 * bucket's exact sums, as aggregateBuckets() rounds it.
 */
export function aggregateRollups(
  sql: SqlTag,
  symbol: string,
  buckets: Fragment,
  within?: { fromMs: number; toMs: number },
): Fragment {
  const from = within === undefined ? sql`b` : sql`greatest(b, ${iso(within.fromMs)}::timestamptz)`;
  const to = within === undefined ? sql`e` : sql`least(e, ${iso(within.toMs)}::timestamptz)`;
  const minuteOf = (ts: Fragment) =>
    sql`date_bin('1 minute', ${ts}, ${MINUTE_ORIGIN}::timestamptz)`;
  const hourOf = (ts: Fragment) => sql`date_bin('1 hour', ${ts}, ${MINUTE_ORIGIN}::timestamptz)`;
  const rollupsIn = (lo: Fragment, hi: Fragment) =>
    sql`minute_rollups where symbol = ${symbol} and minute >= ${lo} and minute < ${hi}`;
  // One row of a part's sums (none when it has no rows); first and last as [epoch, seq, price].
  const rolledPart = (table: 'minute_rollups' | 'hour_rollups', lo: Fragment, hi: Fragment) => {
    const unit = sql(table === 'minute_rollups' ? 'minute' : 'hour');
    return sql`
    select min(array[extract(epoch from open_ts), open_seq, open]) as first_trade,
           max(array[extract(epoch from close_ts), close_seq, close]) as last_trade,
           max(high) as high, min(low) as low, sum(volume) as volume, sum(price_volume) as pv,
           sum(trade_count) as trade_count
    from ${sql(table)} where symbol = ${symbol} and ${unit} >= ${lo} and ${unit} < ${hi}
    having count(*) > 0`;
  };
  const rawPart = (lo: Fragment, hi: Fragment) => sql`
    select min(array[extract(epoch from ts), seq, price]) as first_trade,
           max(array[extract(epoch from ts), seq, price]) as last_trade,
           max(price) as high, min(price) as low, sum(volume) as volume,
           sum(price * volume) as pv, count(*) as trade_count
    from trades where symbol = ${symbol} and ts >= ${lo} and ts < ${hi}
    having count(*) > 0`;
  return sql`
    with cut as (
      select b, f, t,
             case when ${minuteOf(sql`f`)} = f then f
                  else ${minuteOf(sql`f`)} + interval '1 minute' end as wf,
             ${minuteOf(sql`t`)} as wt,
             case when ${hourOf(sql`f`)} = f then f
                  else ${hourOf(sql`f`)} + interval '1 hour' end as hf,
             ${hourOf(sql`t`)} as ht
      from (select b, ${from} as f, ${to} as t from ${buckets}) bounds
    )
    select b as bucket, o.open, a.high, a.low, c.close, a.volume,
           round(a.pv::numeric(1000, 30) / a.volume, 8) as vwap, a.trade_count
    from cut
    cross join lateral (
      select open from ${rollupsIn(sql`f`, sql`t`)} order by minute limit 1
    ) o
    cross join lateral (
      select max(high) as high, min(low) as low, sum(volume) as volume, sum(price_volume) as pv,
             sum(trade_count)::int as trade_count
      from ${rollupsIn(sql`f`, sql`t`)}
    ) a
    cross join lateral (
      select close from ${rollupsIn(sql`f`, sql`t`)} order by minute desc limit 1
    ) c
    where wf = f and wt = t and hf >= ht
    union all
    select b, (min(p.first_trade))[3], max(p.high), min(p.low), (max(p.last_trade))[3],
           sum(p.volume), round(sum(p.pv)::numeric(1000, 30) / sum(p.volume), 8),
           sum(p.trade_count)::int
    from (
      -- [f, t) = [f, wf) raw, [wf, hf) minutes, [hf, ht) whole hours, [ht, wt) minutes, [wt, t)
      -- raw; without a whole hour, [wf, wt) minutes; within one minute, all raw.
      select b, f, t, wf, wt, hf, ht,
             case when hf < ht then hf else wt end as m1,
             case when hf < ht then ht else wt end as m2
      from cut where not (wf = f and wt = t and hf >= ht)
    ) edge
    cross join lateral (
      ${rolledPart('hour_rollups', sql`hf`, sql`ht`)}
      union all ${rolledPart('minute_rollups', sql`wf`, sql`m1`)}
      union all ${rolledPart('minute_rollups', sql`m2`, sql`wt`)}
      union all ${rawPart(sql`f`, sql`least(wf, t)`)}
      union all ${rawPart(sql`greatest(wf, wt)`, sql`t`)}
    ) p
    group by b`;
}
