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
 * Three CTEs for persist's write statement: `minute_batch`, the rows of CTE `inserted` (symbol, seq,
 * price, volume, ts), only those actually inserted, so a redelivered batch adds nothing, folded into
 * their minutes; `rolled_up`, those minutes upserted into `minute_rollups`; `hours_rolled_up`, the
 * same minutes folded again into their hours (a few rows, not the batch's trades a second time) and
 * upserted into `hour_rollups`. A row's open and close move only to a trade earlier / later by
 * (ts, seq), the order aggregate-trades.ts takes; min/max of [epoch of ts, seq, price] find a batch's
 * own first and last trade without a sort, and the first of its minutes' firsts is its hour's.
 *
 * The rows are upserted in (symbol, minute) order, then in (symbol, hour) order (the hours' source
 * waits for the minutes' upsert to finish): two persist instances writing the same rows lock them
 * in the same order and wait for each other instead of deadlocking; the second adds to the row the
 * first committed (ON CONFLICT reads the latest version), so the sums stay exact.
 */
export function upsertRollupsOfInsertedTrades(sql: SqlTag): Fragment {
  return sql`, minute_batch as (
    select symbol, date_bin('1 minute', ts, ${MINUTE_ORIGIN}::timestamptz) as unit_start,
           min(array[extract(epoch from ts), seq, price]) as first_trade, min(ts) as open_ts,
           max(array[extract(epoch from ts), seq, price]) as last_trade, max(ts) as close_ts,
           max(price) as high, min(price) as low, sum(volume) as volume,
           sum(price * volume) as price_volume, count(*)::int as trade_count
    from inserted
    group by 1, 2
  ), rolled_up as (${upsertLevel(sql, 'minute', sql`select * from minute_batch`)}
  ), hours_rolled_up as (${upsertLevel(
    sql,
    'hour',
    sql`
      select symbol, date_bin('1 hour', unit_start, ${MINUTE_ORIGIN}::timestamptz) as unit_start,
             min(first_trade) as first_trade, min(open_ts) as open_ts,
             max(last_trade) as last_trade, max(close_ts) as close_ts,
             max(high) as high, min(low) as low, sum(volume) as volume,
             sum(price_volume) as price_volume, sum(trade_count)::int as trade_count
      from minute_batch
      where (select count(*) from rolled_up) >= 0
      group by 1, 2`,
  )}
  )`;
}

/** The upsert of one level's batch rows (`source`: unit_start, first_trade, open_ts, ...). */
function upsertLevel(sql: SqlTag, level: 'minute' | 'hour', source: Fragment): Fragment {
  const table = sql(level === 'minute' ? 'minute_rollups' : 'hour_rollups');
  const unit = sql(level);
  return sql`
    insert into ${table} as r (symbol, ${unit}, open, open_ts, open_seq, high, low, close,
                               close_ts, close_seq, volume, price_volume, trade_count)
    select symbol, unit_start, first_trade[3], open_ts, first_trade[2]::bigint, high, low,
           last_trade[3], close_ts, last_trade[2]::bigint, volume, price_volume, trade_count
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
