import type { Fragment, Row, TransactionSql } from 'postgres';
import {
  deleteCandlesOfInsertedTrades,
  LATE_TRADE_SECONDS,
  lockSymbolsForLateTrades,
} from '../candles/candle-cache.js';
import { upsertRollupsOfInsertedTrades } from '../candles/minute-rollups.js';
import type { Sql } from '../db/client.js';
import { textArrayLiteral } from '../db/text-array-literal.js';
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
   * The batch's earliest instant (epoch ms, fractions of a millisecond dropped) when the caller has
   * parsed the timestamps already, as persist's decode has: the guard then compares it with the
   * database's clock instead of finding it among the rows, and the rows are not materialized to be
   * read twice. Dropping the fraction can only make the batch look older: at worst it takes the
   * locked path of a late batch, which is correct for any batch.
   */
  oldestTsMs?: number | undefined;
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
}

/**
 * Work that follows a batch's trades (anomaly detection, shared/alerts/). Its read is `contextQuery`,
 * a SELECT that writeTrades runs in the statement after the write, the stream's notification's (so
 * looking costs a batch no statement of its own), which is why it must not depend on the batch's
 * own rows; `judge` turns its rows into the state, and `record` runs once the trades are committed,
 * given what the write did. Not one transaction: a crash between the write and `record` leaves the
 * trades stored and the message unacknowledged, and its redelivery, which stores nothing again,
 * reads the same context and records what is missing. `record` must therefore judge the batch
 * itself, not only the trades this delivery inserted, and be idempotent (keys that make a second
 * record a no-op).
 */
export interface WriteObserver<State> {
  contextQuery(sql: Sql): Fragment;
  judge(rows: readonly Row[]): State;
  record(sql: Sql, state: State, written: WrittenTrades): Promise<void>;
}

/** What a delivery's write did: a redelivery of a stored batch inserts none of its trades. */
export interface WrittenTrades {
  received: number;
  inserted: number;
}

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
 * Then the stream's notification (notifyStream), and the observer's record.
 * Database errors propagate: the caller throws and Pub/Sub redelivers.
 */
export async function writeTrades<State>(
  sql: Sql,
  batch: TradeMessage,
  messageId: string,
  observer?: WriteObserver<State>,
  { rollups = true, oldestTsMs }: WriteOptions = {},
): Promise<WriteResult> {
  const symbols = [...new Set(batch.trades.map((trade) => trade.symbol))];
  const { state, fast } = await writeRecent(sql, batch, messageId, symbols, observer, {
    rollups,
    oldestTsMs,
  });
  if (fast === undefined || !fast.known) return unknownSymbols(sql, symbols);
  let counts = fast;
  if (!fast.recent) {
    const locked = await sql.begin(async (tx) => {
      await lockSymbolsForLateTrades(tx, symbols);
      // A statement of its own after the locks: its snapshot sees every candle stored before them.
      const [written] = await writeStatement(tx, batch, messageId, symbols, {
        late: true,
        rollups,
        oldestTsMs,
      });
      return written;
    });
    if (locked === undefined || !locked.known) return unknownSymbols(sql, symbols);
    counts = locked;
    if (counts.inserted > 0) await notifyStream(sql);
  }
  if (observer !== undefined)
    await observer.record(sql, state as State, {
      received: batch.trades.length,
      inserted: counts.inserted,
    });
  return result(batch, counts, !fast.recent);
}

/**
 * The usual path in one round trip on one connection: the guarded write, then the stream's
 * notification carrying the observer's read, each in a transaction of its own. The notification
 * goes whether the write stored anything or not (a redelivery, a late batch that the guard sent to
 * the locks): a stream woken for nothing reads nothing, and waiting for the write's answer first
 * would cost every batch a round trip.
 */
async function writeRecent<State>(
  sql: Sql,
  batch: TradeMessage,
  messageId: string,
  symbols: string[],
  observer: WriteObserver<State> | undefined,
  { rollups, oldestTsMs }: { rollups: boolean; oldestTsMs: number | undefined },
): Promise<{ state: State | undefined; fast: WriteCounts | undefined }> {
  const conn = await sql.reserve();
  try {
    // Sent now, in this order: the notification (an async call, so it sends at once) must not go
    // before the write, or the streams would read before the trades are committed.
    const written = writeStatement(conn, batch, messageId, symbols, {
      late: false,
      rollups,
      oldestTsMs,
    }).execute();
    const context = notifyStream(conn, observer?.contextQuery(conn));
    const [[fast], rows] = await Promise.all([written, context]);
    return { state: observer?.judge(rows), fast };
  } finally {
    conn.release();
  }
}

/**
 * Wakes each api instance's stream to read what is new, in a transaction of its own after the
 * trades': PostgreSQL serializes the commits of notifying transactions (a queue lock held until
 * the commit is flushed), which inside the write would queue every persist instance's commit
 * behind the others'. Committed without waiting for the disk: a notification lost in a crash
 * costs nothing, since the stream also polls and reads from where it stands. With `query`, the
 * same statement answers its rows (the notification is sent whether they are any or none).
 */
async function notifyStream(sql: Sql, query?: Fragment): Promise<readonly Row[]> {
  const wake = sql`select set_config('synchronous_commit', 'off', true), pg_notify(${TRADES_CHANNEL}, '')`;
  if (query === undefined) return sql`${wake}`;
  return sql`
    with woken as (${wake})
    select context.* from (${query}) context where (select count(*) from woken) > 0`;
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
 * `late` (the caller holds the locks), when no trade is late. Values cross as text[] literals
 * (textArrayLiteral) and are cast in SQL: the client would route timestamptz through a JS Date
 * (dropping microseconds), and decimals must never meet a float.
 */
function writeStatement(
  sql: SqlTag,
  batch: TradeMessage,
  messageId: string,
  symbols: string[],
  {
    late,
    rollups,
    oldestTsMs,
  }: { late: boolean; rollups: boolean; oldestTsMs: number | undefined },
) {
  const { trades } = batch;
  return sql<WriteCounts[]>`
    with input as (
      select *
      from unnest(
        ${textArrayLiteral(trades, (t) => t.trade_id)}::text[],
        ${textArrayLiteral(trades, (t) => t.symbol)}::text[],
        ${textArrayLiteral(trades, (t) => t.price)}::text[]::numeric[],
        ${textArrayLiteral(trades, (t) => t.volume)}::text[]::numeric[],
        ${textArrayLiteral(trades, (t) => t.ts)}::text[]::timestamptz[]
      ) with ordinality as t(trade_id, symbol, price, volume, ts, ord)
    ), gate as (
      select
        (select count(*) from symbols where symbol = any(${symbols}::text[])) = ${symbols.length} as known,
        ${
          late
            ? sql`true`
            : sql`${
                oldestTsMs === undefined
                  ? sql`(select min(ts) from input)`
                  : sql`${new Date(oldestTsMs).toISOString()}::timestamptz`
              } >= clock_timestamp() - make_interval(secs => ${LATE_TRADE_SECONDS})`
        } as recent
    ), inserted as (
      insert into trades (trade_id, symbol, price, volume, ts, source, message_id)
      select trade_id, symbol, price, volume, ts, ${batch.source}, ${messageId}
      from input
      where (select known and recent from gate)
      order by ord
      on conflict (trade_id, ts) do nothing
      returning trade_id, seq, symbol, price, volume, ts
    ), last_ts as (
      select symbol, max(ts) as ts from inserted group by symbol
    ), newest as (
      -- The latest by (ts, seq): only the trades at a symbol's latest ts are sorted, not the batch.
      select distinct on (i.symbol) i.*
      from inserted i join last_ts l on l.symbol = i.symbol and l.ts = i.ts
      order by i.symbol, i.seq desc
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
    )${rollups ? upsertRollupsOfInsertedTrades(sql) : sql``}${late ? deleteCandlesOfInsertedTrades(sql) : sql``}
    select (select known from gate), (select recent from gate),
           (select count(*) from inserted)::int as inserted, (select count(*) from moved)::int as moved,
           ${late ? sql`(select count(*) from invalidated)::int` : sql`0`} as invalidated`;
}
