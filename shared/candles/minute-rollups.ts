/**
 * The writing half of the rollups (tables `minute_rollups`, migration 0011, and `hour_rollups`,
 * migration 0015): persist adds the trades it inserts to their minutes and hours in the same
 * statement. The reading half is aggregate-rollups.ts.
 */
import type { Fragment, TransactionSql } from 'postgres';
import type { Sql } from '../db/client.js';
import { BUCKET_ORIGIN_MS } from '../market/candle-intervals.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** The origin minutes and hours are binned from (any whole hour would do: the buckets' own). */
export const MINUTE_ORIGIN = new Date(BUCKET_ORIGIN_MS).toISOString();

type SqlTag = Sql | TransactionSql;

/**
 * CTEs for persist's write statement over the rows of CTE `inserted` (symbol, seq, price, volume,
 * ts), only those actually inserted, so a redelivered batch adds nothing: `minute_sums`, their
 * minutes' extremes and sums; `minute_ends`, the trades at each minute's first and last instant
 * (usually one each); `minute_batch`, the minutes with their open and close; `rolled_up`, those
 * upserted into `minute_rollups`; `hours_rolled_up`, the same minutes folded again into their hours
 * (a few rows, not the batch's trades a second time) and upserted into `hour_rollups`. A row's open
 * and close move only to a trade earlier / later by (ts, seq), the order aggregate-trades.ts takes.
 *
 * The open is found as the trade at the minute's earliest ts with the lowest seq, through a hash
 * join on (symbol, minute), rather than as min(array[epoch, seq, price]) over every trade: building
 * and comparing a numeric array per trade cost persist's statement a third more than the sums.
 *
 * The rows are upserted in (symbol, minute) order, then in (symbol, hour) order (the hours' source
 * waits for the minutes' upsert to finish): two persist instances writing the same rows lock them
 * in the same order and wait for each other instead of deadlocking; the second adds to the row the
 * first committed (ON CONFLICT reads the latest version), so the sums stay exact.
 */
export function upsertRollupsOfInsertedTrades(sql: SqlTag): Fragment {
  const minuteOf = (ts: Fragment) =>
    sql`date_bin('1 minute', ${ts}, ${MINUTE_ORIGIN}::timestamptz)`;
  return sql`, minute_sums as (
    select symbol, ${minuteOf(sql`ts`)} as unit_start, min(ts) as open_ts, max(ts) as close_ts,
           max(price) as high, min(price) as low, sum(volume) as volume,
           sum(price * volume) as price_volume, count(*)::int as trade_count
    from inserted
    group by 1, 2
  ), minute_ends as (
    select m.symbol, m.unit_start,
           (array_agg(i.price order by i.seq) filter (where i.ts = m.open_ts))[1] as open,
           min(i.seq) filter (where i.ts = m.open_ts) as open_seq,
           (array_agg(i.price order by i.seq desc) filter (where i.ts = m.close_ts))[1] as close,
           max(i.seq) filter (where i.ts = m.close_ts) as close_seq
    from inserted i
    join minute_sums m on m.symbol = i.symbol and m.unit_start = ${minuteOf(sql`i.ts`)}
    where i.ts = m.open_ts or i.ts = m.close_ts
    group by 1, 2
  ), minute_batch as (
    select m.symbol, m.unit_start, e.open, m.open_ts, e.open_seq, m.high, m.low, e.close,
           m.close_ts, e.close_seq, m.volume, m.price_volume, m.trade_count
    from minute_sums m join minute_ends e on e.symbol = m.symbol and e.unit_start = m.unit_start
  ), rolled_up as (${upsertLevel(sql, 'minute', sql`select * from minute_batch`)}
  ), hours_rolled_up as (${upsertLevel(
    sql,
    'hour',
    sql`
      select symbol, date_bin('1 hour', unit_start, ${MINUTE_ORIGIN}::timestamptz) as unit_start,
             (array_agg(open order by open_ts, open_seq))[1] as open, min(open_ts) as open_ts,
             (array_agg(open_seq order by open_ts, open_seq))[1] as open_seq,
             max(high) as high, min(low) as low,
             (array_agg(close order by close_ts desc, close_seq desc))[1] as close,
             max(close_ts) as close_ts,
             (array_agg(close_seq order by close_ts desc, close_seq desc))[1] as close_seq,
             sum(volume) as volume, sum(price_volume) as price_volume,
             sum(trade_count)::int as trade_count
      from minute_batch
      where (select count(*) from rolled_up) >= 0
      group by 1, 2`,
  )}
  )`;
}

/**
 * The upsert of one level's batch rows (`source`: symbol, unit_start, open, open_ts, open_seq, high,
 * low, close, close_ts, close_seq, volume, price_volume, trade_count).
 */
function upsertLevel(sql: SqlTag, level: 'minute' | 'hour', source: Fragment): Fragment {
  const table = sql(level === 'minute' ? 'minute_rollups' : 'hour_rollups');
  const unit = sql(level);
  return sql`
    insert into ${table} as r (symbol, ${unit}, open, open_ts, open_seq, high, low, close,
                               close_ts, close_seq, volume, price_volume, trade_count)
    select symbol, unit_start, open, open_ts, open_seq, high, low, close, close_ts, close_seq,
           volume, price_volume, trade_count
    from (${source}) batch
    order by symbol, unit_start
    on conflict (symbol, ${unit}) do update set
      open = case when (excluded.open_ts, excluded.open_seq) < (r.open_ts, r.open_seq)
                  then excluded.open else r.open end,
      open_ts = case when (excluded.open_ts, excluded.open_seq) < (r.open_ts, r.open_seq)
                     then excluded.open_ts else r.open_ts end,
      open_seq = case when (excluded.open_ts, excluded.open_seq) < (r.open_ts, r.open_seq)
                      then excluded.open_seq else r.open_seq end,
      high = greatest(r.high, excluded.high),
      low = least(r.low, excluded.low),
      close = case when (excluded.close_ts, excluded.close_seq) > (r.close_ts, r.close_seq)
                   then excluded.close else r.close end,
      close_ts = case when (excluded.close_ts, excluded.close_seq) > (r.close_ts, r.close_seq)
                      then excluded.close_ts else r.close_ts end,
      close_seq = case when (excluded.close_ts, excluded.close_seq) > (r.close_ts, r.close_seq)
                       then excluded.close_seq else r.close_seq end,
      volume = r.volume + excluded.volume,
      price_volume = r.price_volume + excluded.price_volume,
      trade_count = r.trade_count + excluded.trade_count
    returning 1`;
}
