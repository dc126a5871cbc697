import type { CandleTotals } from '../candles/candle-accumulator.js';
import { intervalParam, iso } from '../candles/aggregate-trades.js';
import type { Sql } from '../db/client.js';
import type { EventId } from './trade-events.js';

interface TotalsRow {
  open_price: string;
  open_us: string;
  open_seq: string;
  close_price: string;
  close_us: string;
  close_seq: string;
  high: string;
  low: string;
  volume: string;
  pv: string;
  trade_count: number;
}

/**
 * What the trades of one bucket add up to, counting only those the stream has reached (at or
 * before `upTo` in its order; trades stored before the stream existed have no position and all
 * count): the start a candle event is kept from as the stream's next trades arrive. Undefined
 * when the bucket has no such trade.
 */
export async function readCandleTotals(
  sql: Sql,
  {
    symbol,
    intervalMs,
    bucketMs,
    upTo,
  }: { symbol: string; intervalMs: number; bucketMs: number; upTo: EventId },
): Promise<CandleTotals | undefined> {
  const [row] = await sql<TotalsRow[]>`
    with bucket as materialized (
      select price, volume, ts, seq from trades
      where symbol = ${symbol}
        and ts >= ${iso(bucketMs)}::timestamptz
        and ts < ${iso(bucketMs)}::timestamptz + ${intervalParam(intervalMs)}::interval
        and (xid is null or (xid, seq) <= (${upTo.xid}::bigint, ${upTo.seq}::bigint))
    ),
    first as (select price, ts, seq from bucket order by ts, seq limit 1),
    last as (select price, ts, seq from bucket order by ts desc, seq desc limit 1)
    select trim_scale(first.price)::text as open_price,
           (extract(epoch from first.ts) * 1000000)::bigint::text as open_us,
           first.seq::text as open_seq,
           trim_scale(last.price)::text as close_price,
           (extract(epoch from last.ts) * 1000000)::bigint::text as close_us,
           last.seq::text as close_seq,
           totals.*
    from first, last, (
      select trim_scale(max(price))::text as high, trim_scale(min(price))::text as low,
             trim_scale(sum(volume))::text as volume, trim_scale(sum(price * volume))::text as pv,
             count(*)::int as trade_count
      from bucket
    ) totals`;
  if (row === undefined) return undefined;
  return {
    open: { price: row.open_price, tsMicros: BigInt(row.open_us), seq: BigInt(row.open_seq) },
    close: { price: row.close_price, tsMicros: BigInt(row.close_us), seq: BigInt(row.close_seq) },
    high: row.high,
    low: row.low,
    volume: row.volume,
    priceVolume: row.pv,
    tradeCount: row.trade_count,
  };
}
