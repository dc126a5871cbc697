import type { TransactionSql } from 'postgres';
import {
  deleteCandlesOfInsertedTrades,
  LATE_TRADE_SECONDS,
  lockSymbolsForLateTrades,
} from '../candles/candle-cache.js';
import { upsertRollupsOfInsertedTrades } from '../candles/minute-rollups.js';
import type { Sql } from '../db/client.js';
import type { TradeMessage } from '../schemas/trade-message.js';
import { TRADES_CHANNEL } from '../stream/trade-events.js';
import { findUnknownSymbols } from '../symbols/symbols.queries.js';

export type WriteResult =
  | {
      ok: true;
      received: number;
      inserted: number;
      duplicates: number;
      latestMoved: number;
      /** The batch held a trade old enough to fall into a stored candle. */
      late: boolean;
      candlesInvalidated: number;
    }
  | { ok: false; unknownSymbols: string[] };

type SqlTag = Sql | TransactionSql;

export interface WriteOptions {
  /**
   * Whether the statement also keeps `minute_rollups` and `hour_rollups` (default true). Internal:
   * false only for the persist bench's baseline, which measures what the rollups cost; without them, candles of a
   * minute and longer would miss the batch's trades.
   */
  rollups?: boolean;
}

interface WriteCounts {
  known: boolean;
  recent: boolean;
  inserted: number;
  moved: number;
  invalidated: number;
  /** The trade ids inserted when not all of the batch's were (null: all, or none when inserted = 0). */
  inserted_ids: string[] | null;
}

/** A connection inside the write's transaction. */
export type TxSql = Sql | TransactionSql;

/**
 * Work that must commit or fail with the batch's trades (anomaly detection, shared/alerts/): given,
 * the write runs in one transaction, `read` pipelined with BEGIN just before it (it sees the state
 * the batch changes, at no extra round trip), `record` after it with the trades this delivery
 * inserted.
 */
export interface WriteObserver<State> {
  read(tx: TxSql): Promise<State>;
  record(tx: TxSql, state: State, inserted: InsertedTrades): Promise<void>;
}

/**
 * How long after its write an observed transaction may still commit. Recent trades are written
 * without the candle locks (candle-cache.ts) because they commit long before their buckets can be
 * stored (LATE_TRADE_SECONDS + the grace period); an observer's work after the write must not
 * stretch that: past this, the transaction rolls back and Pub/Sub redelivers the batch.
 */
export const OBSERVED_COMMIT_BUDGET_MS = 10_000;

export class ObserverTooSlowError extends Error {
  override readonly name = 'ObserverTooSlowError';
}

/** Which trades of the batch a delivery stored: all, or those of `ids` (none on a redelivery). */
export type InsertedTrades = { all: true } | { all: false; ids: ReadonlySet<string> };

/**
 * Writes a validated batch atomically: the trades (duplicates by (trade_id, ts) ignored), then
 * `latest_prices` moved forward only (a newer ts, or the same ts and a later arrival) from the rows
 * actually inserted, each symbol's count in `trade_counts` by as many, and the inserted trades'
 * minutes and hours in `minute_rollups` and `hour_rollups` (shared/candles/minute-rollups.ts). A batch naming an unknown symbol
 * writes nothing.
 *
 * The usual batch, all of its trades recent, is one statement and one round trip. A batch holding
 * a late trade (older than LATE_TRADE_SECONDS by the database's clock) writes nothing there and
 * goes through the candle lock protocol instead (shared/candles/candle-cache.ts): a transaction that
 * takes the symbols' locks, then writes and deletes the stored candles its trades fall into.
 * Database errors propagate: the caller throws and Pub/Sub redelivers.
 */
export async function writeTrades<State>(
  sql: Sql,
  batch: TradeMessage,
  messageId: string,
  observer?: WriteObserver<State>,
  { rollups = true }: WriteOptions = {},
): Promise<WriteResult> {
  const symbols = [...new Set(batch.trades.map((trade) => trade.symbol))];
  if (observer !== undefined)
    return writeObserved(sql, batch, messageId, symbols, observer, rollups);
  const [fast] = await writeStatement(sql, batch, messageId, symbols, { late: false, rollups });
  if (fast === undefined || !fast.known) return unknownSymbols(sql, symbols);
  if (fast.recent) return result(batch, fast, false);
  const locked = await sql.begin(async (tx) => {
    await lockSymbolsForLateTrades(tx, symbols);
    // A statement of its own after the locks: its snapshot sees every candle stored before them.
    const [counts] = await writeStatement(tx, batch, messageId, symbols, { late: true, rollups });
    return counts;
  });
  if (locked === undefined || !locked.known) return unknownSymbols(sql, symbols);
  return result(batch, locked, true);
}

/**
 * writeTrades with an observer: the same statements in one transaction with the observer's, on a
 * connection of its own so that BEGIN, the observer's read and the write go in one round trip
 * (sql.begin would wait for BEGIN alone first); then the observer's record and COMMIT.
 */
async function writeObserved<State>(
  sql: Sql,
  batch: TradeMessage,
  messageId: string,
  symbols: string[],
  observer: WriteObserver<State>,
  rollups: boolean,
): Promise<WriteResult> {
  const tx = await sql.reserve();
  try {
    const [, state, [fast]] = await Promise.all([
      tx`begin`,
      observer.read(tx),
      writeStatement(tx, batch, messageId, symbols, { late: false, rollups }),
    ]);
    let counts = fast;
    const late = fast !== undefined && fast.known && !fast.recent;
    if (late) {
      await lockSymbolsForLateTrades(tx, symbols);
      [counts] = await writeStatement(tx, batch, messageId, symbols, { late: true, rollups });
    }
    if (counts === undefined || !counts.known) {
      await tx`rollback`;
      return await unknownSymbols(sql, symbols);
    }
    const writtenAt = Date.now();
    const inserted: InsertedTrades =
      counts.inserted_ids === null
        ? counts.inserted === 0
          ? { all: false, ids: new Set() }
          : { all: true }
        : { all: false, ids: new Set(counts.inserted_ids) };
    await observer.record(tx, state, inserted);
    if (Date.now() - writtenAt > OBSERVED_COMMIT_BUDGET_MS)
      throw new ObserverTooSlowError(
        `work after the write took over ${OBSERVED_COMMIT_BUDGET_MS} ms; rolled back`,
      );
    await tx`commit`;
    return result(batch, counts, late);
  } catch (error) {
    // The connection goes back to the pool clean, whatever failed (a broken one is discarded).
    await tx`rollback`.catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
}

function result(batch: TradeMessage, counts: WriteCounts, late: boolean): WriteResult {
  return {
    ok: true,
    received: batch.trades.length,
    inserted: counts.inserted,
    duplicates: batch.trades.length - counts.inserted,
    latestMoved: counts.moved,
    late,
    candlesInvalidated: counts.invalidated,
  };
}

async function unknownSymbols(sql: Sql, symbols: string[]): Promise<WriteResult> {
  return { ok: false, unknownSymbols: await findUnknownSymbols(sql, symbols) };
}

/**
 * The write as one statement, guarded: it inserts only when every symbol is known and, unless
 * `late` (the caller holds the locks), when no trade is late. Values cross as text[] and are cast
 * in SQL: the client would route timestamptz through a JS Date (dropping microseconds), and
 * decimals must never meet a float.
 */
function writeStatement(
  sql: SqlTag,
  batch: TradeMessage,
  messageId: string,
  symbols: string[],
  { late, rollups }: { late: boolean; rollups: boolean },
) {
  const { trades } = batch;
  return sql<WriteCounts[]>`
    with input as (
      select *
      from unnest(
        ${trades.map((t) => t.trade_id)}::text[],
        ${trades.map((t) => t.symbol)}::text[],
        ${trades.map((t) => t.price)}::text[]::numeric[],
        ${trades.map((t) => t.volume)}::text[]::numeric[],
        ${trades.map((t) => t.ts)}::text[]::timestamptz[]
      ) with ordinality as t(trade_id, symbol, price, volume, ts, ord)
    ), gate as (
      select
        (select count(*) from symbols where symbol = any(${symbols}::text[])) = ${symbols.length} as known,
        ${
          late
            ? sql`true`
            : sql`(select min(ts) from input) >= clock_timestamp() - make_interval(secs => ${LATE_TRADE_SECONDS})`
        } as recent
    ), inserted as (
      insert into trades (trade_id, symbol, price, volume, ts, source, message_id)
      select trade_id, symbol, price, volume, ts, ${batch.source}, ${messageId}
      from input
      where (select known and recent from gate)
      order by ord
      on conflict (trade_id, ts) do nothing
      returning trade_id, seq, symbol, price, volume, ts
    ), newest as (
      select distinct on (symbol) * from inserted order by symbol, ts desc, seq desc
    ), moved as (
      insert into latest_prices as lp (symbol, trade_id, seq, price, volume, ts, updated_at)
      select symbol, trade_id, seq, price, volume, ts, now() from newest
      on conflict (symbol) do update
        set trade_id = excluded.trade_id, seq = excluded.seq, price = excluded.price,
            volume = excluded.volume, ts = excluded.ts, updated_at = excluded.updated_at
        where (lp.ts, lp.seq) < (excluded.ts, excluded.seq)
      returning symbol
    ), counted as (
      insert into trade_counts as tc (symbol, trade_count, updated_at)
      select symbol, count(*), now() from inserted group by symbol
      on conflict (symbol) do update
        set trade_count = tc.trade_count + excluded.trade_count, updated_at = excluded.updated_at
      returning 1
    ), notified as (
      -- Delivered at commit, once per transaction: each api instance's stream then reads what is new.
      select pg_notify(${TRADES_CHANNEL}, '') from (select 1 from inserted limit 1) stored
    )${rollups ? upsertRollupsOfInsertedTrades(sql) : sql``}${late ? deleteCandlesOfInsertedTrades(sql) : sql``}
    select (select known from gate), (select recent from gate),
           (select count(*) from inserted)::int as inserted, (select count(*) from moved)::int as moved,
           ${late ? sql`(select count(*) from invalidated)::int` : sql`0`} as invalidated,
           (select count(*) from notified)::int as notified,
           -- Which were stored, only when not all were (a partly redelivered batch): a short answer.
           case when (select count(*) from inserted) between 1 and ${trades.length - 1}
                then (select array_agg(trade_id) from inserted) end as inserted_ids`;
}
