/**
 * How stored candles (table `candles`) stay exact while late trades keep arriving: the whole
 * protocol, both halves, in this one file.
 *
 * The race to rule out: the api computes a closed bucket from a snapshot that misses a late trade
 * committing at that moment, then stores the candle without it, stale for ever. So:
 *
 * - persist, for a batch holding a trade older than LATE_TRADE_SECONDS (by the database's clock),
 *   first takes an exclusive advisory lock per symbol (lockSymbolsForLateTrades: sorted, so two
 *   batches never deadlock), and only then, in a later statement whose snapshot follows the lock,
 *   inserts the trades and deletes the stored candles of the buckets they fall into
 *   (deleteCandlesOfInsertedTrades);
 * - the api, before computing and storing, takes the shared form of the symbol's lock in a
 *   statement of its own (lockSymbolForStoring), so the statement that computes sees every late
 *   trade committed before it; a late batch that comes after waits for it, then deletes what it
 *   stored;
 * - the api stores only buckets that ended CANDLE_CACHE_GRACE_SECONDS ago; a batch without late
 *   trades takes no lock and is one statement, which writes only if none of its trades is late by
 *   the database's clock when it runs, and ends within persist's statement timeout, well before
 *   any of its trades' buckets can be stored.
 */
import type { Fragment, TransactionSql } from 'postgres';
import type { Sql } from '../db/client.js';
import { BUCKET_ORIGIN_MS, INTERVAL_SECONDS } from '../market/candle-intervals.js';

/** First key of the two-key advisory lock; the second is hashtext(symbol). Arbitrary constant. */
export const CANDLE_LOCK_NAMESPACE = 1_668_002;

/** A trade older than this when persisted may land in a stored bucket. */
export const LATE_TRADE_SECONDS = 30;

/** A bucket is stored only once it ended this long ago. */
export const CANDLE_CACHE_GRACE_SECONDS = 60;

/**
 * persist's connections: every statement and every pause inside a transaction is bounded, so a
 * transaction of three statements ends within 20 s, inside LATE_TRADE_SECONDS. Each statement is
 * planned once per connection: PostgreSQL would otherwise plan the write (a dozen CTEs over the
 * partitioned `trades`) again for every batch, a custom plan per execution costing as much as the
 * rollups themselves, for a plan that no parameter changes (rows are routed to partitions as they
 * are inserted; the reads prune partitions at run time).
 */
export const PERSIST_CONNECTION_SETTINGS = {
  statement_timeout: '5000',
  idle_in_transaction_session_timeout: '5000',
  plan_cache_mode: 'force_generic_plan',
};

/**
 * persist's half: the exclusive locks of a late batch's symbols, sorted, taken in array order.
 * `tx` is in a transaction (sql.begin's, or a reserved connection's own BEGIN).
 */
export async function lockSymbolsForLateTrades(
  tx: Sql | TransactionSql,
  symbols: readonly string[],
): Promise<void> {
  await tx`
    select count(pg_advisory_xact_lock(${CANDLE_LOCK_NAMESPACE}, hashtext(s)))
    from unnest(${[...symbols].sort()}::text[]) as s`;
}

/** The api's half: the shared lock of the symbol whose candles it is about to compute and store. */
export async function lockSymbolForStoring(tx: TransactionSql, symbol: string): Promise<void> {
  await tx`select pg_advisory_xact_lock_shared(${CANDLE_LOCK_NAMESPACE}, hashtext(${symbol}))`;
}

/**
 * A CTE `invalidated` for persist's write statement: deletes the stored candles, every interval,
 * of the buckets the rows of CTE `inserted` (symbol, ts) fall into, so the trades and the
 * invalidation commit together.
 */
export function deleteCandlesOfInsertedTrades(sql: Sql | TransactionSql): Fragment {
  return sql`, invalidated as (
    delete from candles c
    using (
      select distinct i.symbol, iv.seconds,
             date_bin(make_interval(secs => iv.seconds), i.ts, ${new Date(BUCKET_ORIGIN_MS).toISOString()}::timestamptz) as bucket
      from inserted i cross join unnest(${INTERVAL_SECONDS}::int[]) as iv(seconds)
    ) k
    where c.symbol = k.symbol and c.interval_seconds = k.seconds and c.bucket = k.bucket
    returning 1
  )`;
}
