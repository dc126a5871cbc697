import type { Sql } from '../db/client.js';
import type { EventId } from './trade-events.js';

/** A stored trade as the stream sends it. */
export interface StreamTrade {
  id: EventId;
  tradeId: string;
  symbol: string;
  price: string;
  volume: string;
  ts: Date;
  /** ts to the microsecond, as stored: what orders trades within a millisecond in a candle. */
  tsMicros: bigint;
  /** When persist stored it, by the database's clock. */
  storedAt: Date;
}

/**
 * The next trades after `after` in the stream's order, of ended transactions only (below the
 * statement's own snapshot xmin, see trade-events.ts), up to `upTo` when given, of `symbols` when
 * given: one page of at most `limit`.
 */
export async function readCommittedTrades(
  sql: Sql,
  {
    after,
    upTo,
    symbols,
    limit,
  }: { after: EventId; upTo?: EventId | undefined; symbols?: string[] | undefined; limit: number },
): Promise<StreamTrade[]> {
  const rows = await sql<(Omit<StreamTrade, 'id' | 'tsMicros'> & EventId & { us: string })[]>`
    select xid::text as xid, seq::text as seq, trade_id as "tradeId",
           symbol, trim_scale(price)::text as price, trim_scale(volume)::text as volume, ts,
           ingested_at as "storedAt", (extract(epoch from ts) * 1000000)::bigint::text as us
    from trades
    where xid is not null
      and (xid, seq) > (${after.xid}::bigint, ${after.seq}::bigint)
      and xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
      ${upTo === undefined ? sql`` : sql`and (xid, seq) <= (${upTo.xid}::bigint, ${upTo.seq}::bigint)`}
      ${symbols === undefined ? sql`` : sql`and symbol = any(${symbols}::text[])`}
    -- By the table's numbers, not the text columns of the same names the select list makes.
    order by trades.xid, trades.seq
    limit ${limit}`;
  return rows.map(({ xid, seq, us, ...trade }) => ({
    id: { xid, seq },
    tsMicros: BigInt(us),
    ...trade,
  }));
}

/** The position of the newest trade of an ended transaction: where a live stream starts. */
export async function readStreamFrontier(sql: Sql): Promise<EventId | undefined> {
  const [row] = await sql<{ xid: string; seq: string }[]>`
    select xid::text, seq::text from trades
    where xid is not null and xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
    order by trades.xid desc, trades.seq desc
    limit 1`;
  return row;
}

/** When the trade at `id` was stored, or undefined when no trade has that position. */
export async function readStoredAt(sql: Sql, id: EventId): Promise<Date | undefined> {
  const [row] = await sql<{ stored_at: Date }[]>`
    select ingested_at as stored_at from trades
    where xid = ${id.xid}::bigint and seq = ${id.seq}::bigint`;
  return row?.stored_at;
}
