import type { TransactionSql } from 'postgres';
import { CANDLE_LOCK_NAMESPACE, LATE_TRADE_SECONDS } from '../../shared/db/candle-cache.js';
import type { Sql } from '../../shared/db/client.js';
import { BUCKET_ORIGIN_MS, INTERVAL_SECONDS } from '../../shared/market/candle-intervals.js';
import type { TradeMessage } from '../../shared/schemas/trade-message.js';

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

/**
 * Writes a validated batch in one transaction and one statement: the trades (duplicates by
 * trade_id ignored), then `latest_prices` moved forward only (a newer ts, or the same ts and a later
 * arrival) from the rows actually inserted. A batch naming an unknown symbol writes nothing.
 * Database errors propagate: the caller throws and Pub/Sub redelivers.
 */
export async function writeTrades(
  sql: Sql,
  batch: TradeMessage,
  messageId: string,
): Promise<WriteResult> {
  const { trades } = batch;
  const symbols = [...new Set(trades.map((trade) => trade.symbol))];
  return sql.begin(async (tx) => {
    // One round trip: which symbols exist, and, when the batch holds a late trade, the candle locks
    // (shared/db/candle-cache.ts). Locks are taken in array order, sorted: no deadlock between batches.
    const [gate] = await tx<{ known: string[]; late: boolean }[]>`
      select
        array(select symbol from symbols where symbol = any(${symbols}::text[])) as known,
        (
          select count(pg_advisory_xact_lock(${CANDLE_LOCK_NAMESPACE}, hashtext(s))) > 0
          from unnest(${[...symbols].sort()}::text[]) as s
          where (select min(ts) from unnest(${trades.map((t) => t.ts)}::text[]::timestamptz[]) as ts)
            < clock_timestamp() - make_interval(secs => ${LATE_TRADE_SECONDS})
        ) as late`;
    const known = gate?.known ?? [];
    if (known.length !== symbols.length) {
      const found = new Set(known);
      return { ok: false, unknownSymbols: symbols.filter((symbol) => !found.has(symbol)) };
    }
    const late = gate?.late === true;
    // Typed as text[] on the wire, cast in SQL: the client would otherwise route timestamptz values
    // through a JS Date (dropping microseconds), and decimals must never meet a float.
    const [counts] = await tx<{ inserted: number; moved: number; invalidated: number }[]>`
      with input as (
        select *
        from unnest(
          ${trades.map((t) => t.trade_id)}::text[],
          ${trades.map((t) => t.symbol)}::text[],
          ${trades.map((t) => t.price)}::text[]::numeric[],
          ${trades.map((t) => t.volume)}::text[]::numeric[],
          ${trades.map((t) => t.ts)}::text[]::timestamptz[]
        ) with ordinality as t(trade_id, symbol, price, volume, ts, ord)
      ), inserted as (
        insert into trades (trade_id, symbol, price, volume, ts, source, message_id)
        select trade_id, symbol, price, volume, ts, ${batch.source}, ${messageId}
        from input
        order by ord
        on conflict (trade_id) do nothing
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
      )${late ? invalidateCandles(tx) : tx``}
      select (select count(*) from inserted)::int as inserted, (select count(*) from moved)::int as moved,
        ${late ? tx`(select count(*) from invalidated)::int` : tx`0`} as invalidated`;
    const inserted = counts?.inserted ?? 0;
    return {
      ok: true,
      received: trades.length,
      inserted,
      duplicates: trades.length - inserted,
      latestMoved: counts?.moved ?? 0,
      late,
      candlesInvalidated: counts?.invalidated ?? 0,
    };
  });
}

/**
 * Deletes the stored candles, every interval, of the buckets the inserted trades fall into: a CTE
 * of the write statement, so the trades and the invalidation commit together.
 */
function invalidateCandles(tx: TransactionSql) {
  return tx`, invalidated as (
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
