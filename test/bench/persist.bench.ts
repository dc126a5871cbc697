/**
 * persist_trades_per_s and persist_vs_row_at_a_time: batches of 1,000 trades through the persist
 * handler into PostgreSQL, against the same kind of trades inserted one statement per trade.
 * persist_detection_ratio: the same handler, anomaly detection on (as deployed) against off (its
 * internal option), on symbols of their own, in turns within each round.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { PubSubEventData } from '../../functions/persist/decode-message.js';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { createSql, type Sql } from '../../shared/db/client.js';
import { createLogger } from '../../shared/logging/logger.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import type { BenchDatabase } from './support/bench-database.js';
import { result, type BenchResult } from './support/results.js';
import { timed } from './support/stats.js';
import { chunk, createSymbols, makeTrades, tradeMessage } from './support/trades.js';

const BATCH = 1_000;
/**
 * One stream of messages per symbol, each delivered after the previous one is stored, as Pub/Sub
 * does with ordering key = symbol; the streams run side by side, as instances do.
 */
const SYMBOLS = ['PB1', 'PB2', 'PB3', 'PB4'];
/** The same streams through a handler without anomaly detection: the ratio's baseline. */
const UNDETECTED_SYMBOLS = ['PU1', 'PU2', 'PU3', 'PU4'];
/**
 * The batched and the row-at-a-time writes take turns, round after round, so that both meet the
 * same moments of a busy machine and their ratio holds while the absolute figures move.
 */
const ROUNDS = 5;
const TRADES_PER_SYMBOL_AND_ROUND = 10_000;
const ROW_AT_A_TIME_PER_SYMBOL_AND_ROUND = 500;

export async function benchPersist(db: BenchDatabase): Promise<BenchResult[]> {
  // A pool of its own, sized as a deployed persist instance's.
  const sql = createSql({ DATABASE_URL: db.url, DB_POOL_MAX: 5, DB_CONNECT_TIMEOUT_SECONDS: 5 });
  try {
    const persist = createPersistHandler({
      sql,
      // Every stored batch is an info line: at this rate that would time the terminal, not the handler.
      logger: createLogger({ level: 'warn', base: { function: 'persist' } }),
    });
    const undetected = createPersistHandler({
      sql,
      logger: createLogger({ level: 'warn', base: { function: 'persist' } }),
      detectAnomalies: false,
    });
    const rowSymbols = SYMBOLS.map((symbol) => `R${symbol}`);
    await createSymbols(db.sql, ['PBWARM', ...SYMBOLS, ...UNDETECTED_SYMBOLS, ...rowSymbols]);
    await persist(
      pubsubEvent(tradeMessage(makeTrades('warm', 'PBWARM', Date.now() - 5_000, BATCH))),
    );
    const deliver = (streams: CloudEvent<PubSubEventData>[][], handler = persist) =>
      Promise.all(
        streams.map(async (stream) => {
          for (const event of stream) await handler(event);
        }),
      );
    const streamsOf = (symbols: string[], prefix: string, fromMs: number) =>
      symbols.map((symbol) =>
        chunk(makeTrades(prefix, symbol, fromMs, TRADES_PER_SYMBOL_AND_ROUND), BATCH).map(
          (trades) => pubsubEvent(tradeMessage(trades)),
        ),
      );

    let seconds = 0;
    let rowSeconds = 0;
    let undetectedSeconds = 0;
    let lastRound: CloudEvent<PubSubEventData>[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Fresh timestamps (seconds old) each round: a trade older than LATE_TRADE_SECONDS takes the
      // slower path that invalidates stored candles, which live ingestion does not.
      const fromMs = Date.now() - 5_000;
      lastRound = streamsOf(SYMBOLS, `p${round}`, fromMs);
      const undetectedRound = streamsOf(UNDETECTED_SYMBOLS, `u${round}`, fromMs);
      const rows = rowSymbols.map((symbol) =>
        makeTrades(`r${round}`, symbol, fromMs, ROW_AT_A_TIME_PER_SYMBOL_AND_ROUND),
      );
      const streams = lastRound;
      // Off before on in even rounds, after it in odd ones: neither always meets a warmer cache.
      if (round % 2 === 0)
        undetectedSeconds += await timed(() => deliver(undetectedRound, undetected));
      seconds += await timed(() => deliver(streams));
      if (round % 2 === 1)
        undetectedSeconds += await timed(() => deliver(undetectedRound, undetected));
      rowSeconds += await timed(() =>
        Promise.all(rows.map((trades) => insertRowAtATime(sql, trades))),
      );
    }
    const total = ROUNDS * SYMBOLS.length * TRADES_PER_SYMBOL_AND_ROUND;
    const rowTotal = ROUNDS * rowSymbols.length * ROW_AT_A_TIME_PER_SYMBOL_AND_ROUND;
    await expectTrades(sql, SYMBOLS, total, 'after the first delivery');
    await expectTrades(sql, rowSymbols, rowTotal, 'after the row-at-a-time baseline');

    // The last round's batches delivered again: nothing is stored twice.
    const redelivered = SYMBOLS.length * TRADES_PER_SYMBOL_AND_ROUND;
    const redeliverySeconds = await timed(() => deliver(lastRound));
    await expectTrades(sql, SYMBOLS, total, 'after redelivering a round of batches');

    await expectTrades(sql, UNDETECTED_SYMBOLS, total, 'without detection');
    const rate = total / seconds;
    const rowRate = rowTotal / rowSeconds;
    const undetectedRate = total / undetectedSeconds;
    const note = `${total} trades, ${SYMBOLS.length} symbols in parallel, batches of ${BATCH}, in ${ROUNDS} rounds`;
    return [
      result('persist_trades_per_s', rate, 'trades/s', {
        goal: { op: '>=', value: 50_000 },
        baseline: rowRate,
        ratio: rate / rowRate,
        note,
      }),
      result('persist_vs_row_at_a_time', rate / rowRate, '×', {
        goal: { op: '>=', value: 20 },
        baseline: rowRate,
        note: `baseline: ${rowTotal} trades, one INSERT ... ON CONFLICT DO NOTHING per trade, same parallelism, in turns with the batches`,
      }),
      result('persist_detection_ratio', rate / undetectedRate, '×', {
        goal: { op: '>=', value: 0.9 },
        baseline: undetectedRate,
        note: `${total} trades with anomaly detection (as deployed) ÷ ${total} through the same handler without it (detectAnomalies: false), same parallelism, in turns each round`,
      }),
      result('persist_redelivered_trades_per_s', redelivered / redeliverySeconds, 'trades/s', {
        note: 'the same batches delivered again: every trade a duplicate, none stored',
      }),
    ];
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The earlier way: one autocommitted INSERT per trade. */
async function insertRowAtATime(sql: Sql, trades: ReturnType<typeof makeTrades>): Promise<void> {
  for (const t of trades) {
    await sql`
      insert into trades (trade_id, symbol, price, volume, ts, source)
      values (${t.trade_id}, ${t.symbol}, ${String(t.price)}::numeric, ${String(t.volume)}::numeric, ${t.ts}::timestamptz, 'bench')
      on conflict (trade_id) do nothing`;
  }
}

async function expectTrades(
  sql: Sql,
  symbols: string[],
  expected: number,
  when: string,
): Promise<void> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from trades where symbol = any(${symbols}::text[])`;
  if (row?.n !== expected)
    throw new Error(`persist bench: ${row?.n ?? 0} trades stored ${when}, expected ${expected}`);
}
