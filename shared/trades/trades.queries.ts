import type { Sql } from '../db/client.js';

/** A stored trade as the read queries return it. */
export interface StoredTrade {
  tradeId: string;
  price: string;
  volume: string;
  ts: Date;
  /** The timestamp at the database's full (µs) precision, which a Date cannot hold. */
  tsKey: string;
  /** Arrival order among trades of the same timestamp; bigint, as a string. */
  seq: string;
}

export interface TradesPageQuery {
  symbol: string;
  start: Date;
  end: Date;
  order: 'asc' | 'desc';
  limit: number;
  /** Resume strictly after this (ts, seq) in the walking direction. */
  after?: { ts: string; seq: string } | undefined;
  /** Only trades stored by then (as_of). */
  knownAt?: Date | undefined;
}

/**
 * One page of a symbol's trades in `[start, end)`, by (ts, seq) in either direction, one more than
 * `limit` to tell whether another page follows. A keyset walk on the (symbol, ts, seq) index: every
 * page costs the same however deep, and trades arriving meanwhile never shift a page.
 */
export async function fetchTradesPage(sql: Sql, query: TradesPageQuery): Promise<StoredTrade[]> {
  const { symbol, start, end, order, limit, after, knownAt } = query;
  const known = knownAt === undefined ? sql`` : sql`and ingested_at <= ${knownAt}`;
  const resume =
    after === undefined
      ? sql``
      : order === 'desc'
        ? sql`and (trades.ts, trades.seq) < (${after.ts}::text::timestamptz, ${after.seq}::bigint)`
        : sql`and (trades.ts, trades.seq) > (${after.ts}::text::timestamptz, ${after.seq}::bigint)`;
  const ordering =
    order === 'desc' ? sql`order by ts desc, seq desc` : sql`order by ts asc, seq asc`;
  return sql<StoredTrade[]>`
    select trade_id as "tradeId", trim_scale(price)::text as price,
           trim_scale(volume)::text as volume, ts, seq,
           to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "tsKey"
    from trades
    where symbol = ${symbol} and ts >= ${start} and ts < ${end} ${resume} ${known}
    ${ordering}
    limit ${limit + 1}`;
}

/**
 * The price of the symbol's last trade before `beforeMs` (by time, then arrival), if any; of the
 * trades stored by `knownAtMs` when given.
 */
export async function fetchLastPriceBefore(
  sql: Sql,
  symbol: string,
  beforeMs: number,
  knownAtMs?: number,
): Promise<string | null> {
  const known =
    knownAtMs === undefined
      ? sql``
      : sql`and ingested_at <= ${new Date(knownAtMs).toISOString()}::text::timestamptz`;
  const [row] = await sql<{ price: string }[]>`
    select trim_scale(price)::text as price from trades
    where symbol = ${symbol} and ts < ${new Date(beforeMs).toISOString()}::text::timestamptz ${known}
    order by ts desc, seq desc
    limit 1`;
  return row?.price ?? null;
}
