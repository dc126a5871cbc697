/**
 * persist_trades_per_s and persist_vs_db_ceiling: batches of 1,000 trades through the persist
 * handler into PostgreSQL, against the database's own bulk-insert ceiling: the same batches (their
 * own symbols) inserted by one prepared INSERT ... SELECT ... FROM unnest(...) ON CONFLICT DO
 * NOTHING each, no decoding, no latest price, count or notification, with the same parallelism;
 * persist_rollups_ratio: the same batches through a handler built without the rollups' upserts
 * (minutes and hours, issue 17), what keeping them costs; persist_detection_ratio: the same
 * handler, anomaly detection on (as deployed) against off (its internal option), on symbols of
 * their own (issue 15).
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import type { PubSubEventData } from '../../functions/persist/decode-message.js';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { PERSIST_CONNECTION_SETTINGS } from '../../shared/candles/candle-cache.js';
import { createSql, type Sql } from '../../shared/db/client.js';
import { createLogger } from '../../shared/logging/logger.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import type { BenchDatabase } from './support/bench-database.js';
import { result, type BenchResult } from './support/results.js';
import { serverCpuMs } from './support/server-cpu.js';
import { timed } from './support/stats.js';
import { chunk, createSymbols, makeTrades, tradeMessage } from './support/trades.js';

const BATCH = 1_000;
/**
 * One stream of messages per symbol, each delivered after the previous one is stored, as Pub/Sub
 * does with ordering key = symbol; the streams run side by side, as instances do.
 */
const SYMBOLS = ['PB1', 'PB2', 'PB3', 'PB4'];
/** The same streams through a handler without anomaly detection: that ratio's baseline. */
const UNDETECTED_SYMBOLS = ['PU1', 'PU2', 'PU3', 'PU4'];
/**
 * persist, its baselines and the ceiling take turns, round after round, so that all meet the same
 * moments of a busy machine and their ratios hold while the absolute figures move. The orders are a
 * balanced Latin square (Williams): each turn comes first once and follows each other turn once
 * every four rounds. A rotation would have had persist follow the ceiling in most rounds and pay
 * for the checkpoint its fast writes bring on (a null detection measured 0.85 of none that way).
 */
const TURN_ORDERS = [
  [0, 1, 3, 2],
  [1, 2, 0, 3],
  [2, 3, 1, 0],
  [3, 0, 2, 1],
];
/**
 * A turn is a fifth of a second on a fast machine: at 8 rounds the detection ratio moved between
 * 0.85 and 0.91 from run to run of the same code; 24 hold it within a hundredth or two.
 */
const ROUNDS = 24;
const TRADES_PER_SYMBOL_AND_ROUND = 6_000;

export async function benchPersist(db: BenchDatabase): Promise<BenchResult[]> {
  // A pool of its own, sized and set as a deployed persist instance's (the ceiling's statements
  // run on it too, planned the same way).
  const sql = createSql(
    { DATABASE_URL: db.url, DB_POOL_MAX: 5, DB_CONNECT_TIMEOUT_SECONDS: 5 },
    { connection: PERSIST_CONNECTION_SETTINGS },
  );
  try {
    const persist = createPersistHandler({
      sql,
      // Every stored batch is an info line: at this rate that would time the terminal, not the handler.
      logger: createLogger({ level: 'warn', base: { function: 'persist' } }),
    });
    // The baseline of persist_rollups_ratio: the handler with both rollups' upserts switched off.
    const persistWithoutRollups = createPersistHandler({
      sql,
      logger: createLogger({ level: 'warn', base: { function: 'persist' } }),
      write: { rollups: false },
    });
    const undetected = createPersistHandler({
      sql,
      logger: createLogger({ level: 'warn', base: { function: 'persist' } }),
      detectAnomalies: false,
    });
    const ceilingSymbols = SYMBOLS.map((symbol) => `C${symbol}`);
    const bareSymbols = SYMBOLS.map((symbol) => `N${symbol}`);
    await createSymbols(db.sql, [
      'PBWARM',
      ...SYMBOLS,
      ...UNDETECTED_SYMBOLS,
      ...ceilingSymbols,
      ...bareSymbols,
    ]);
    await persist(
      pubsubEvent(tradeMessage(makeTrades('warm', 'PBWARM', Date.now() - 5_000, BATCH))),
    );
    const deliver = (streams: CloudEvent<PubSubEventData>[][], handler = persist) =>
      Promise.all(
        streams.map(async (stream) => {
          for (const event of stream) await handler(event);
        }),
      );

    let checkpointRefused = false;
    /**
     * Each turn starts with the buffers the last one dirtied written out, so it pays for its own
     * writes only (untimed). CHECKPOINT needs a superuser or pg_checkpoint: without, said once.
     */
    const settle = async () => {
      if (checkpointRefused) return;
      await sql`checkpoint`.catch((error: unknown) => {
        checkpointRefused = true;
        console.warn(
          `persist bench: CHECKPOINT refused (${String(error)}); turns may pay for each other's writes`,
        );
      });
    };
    const port = Number(new URL(db.url).port);
    /** CPU time of the database and of this process during persist's and the ceiling's turns (ms). */
    const cpu = { persist: { db: 0, node: 0 }, ceiling: { db: 0, node: 0 } };
    const metered = async (into: { db: number; node: number }, work: () => Promise<unknown>) => {
      const db0 = serverCpuMs(port);
      const node0 = process.cpuUsage();
      await work();
      const node = process.cpuUsage(node0);
      into.node += (node.user + node.system) / 1000;
      into.db += (serverCpuMs(port) ?? Number.NaN) - (db0 ?? Number.NaN);
    };
    let seconds = 0;
    let ceilingSeconds = 0;
    let bareSeconds = 0;
    let undetectedSeconds = 0;
    let lastRound: CloudEvent<PubSubEventData>[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Fresh timestamps (seconds old) each round: a trade older than LATE_TRADE_SECONDS takes the
      // slower path that invalidates stored candles, which live ingestion does not.
      const fromMs = Date.now() - 5_000;
      lastRound = SYMBOLS.map((symbol) =>
        chunk(makeTrades(`p${round}`, symbol, fromMs, TRADES_PER_SYMBOL_AND_ROUND), BATCH).map(
          (trades) => pubsubEvent(tradeMessage(trades)),
        ),
      );
      const ceilingBatches = ceilingSymbols.map((symbol) =>
        chunk(makeTrades(`p${round}`, symbol, fromMs, TRADES_PER_SYMBOL_AND_ROUND), BATCH),
      );
      const bare = bareSymbols.map((symbol) =>
        chunk(makeTrades(`n${round}`, symbol, fromMs, TRADES_PER_SYMBOL_AND_ROUND), BATCH).map(
          (trades) => pubsubEvent(tradeMessage(trades)),
        ),
      );
      const undetectedRound = UNDETECTED_SYMBOLS.map((symbol) =>
        chunk(makeTrades(`u${round}`, symbol, fromMs, TRADES_PER_SYMBOL_AND_ROUND), BATCH).map(
          (trades) => pubsubEvent(tradeMessage(trades)),
        ),
      );
      const streams = lastRound;
      const turns = [
        () => metered(cpu.persist, async () => (seconds += await timed(() => deliver(streams)))),
        async () => (bareSeconds += await timed(() => deliver(bare, persistWithoutRollups))),
        async () => (undetectedSeconds += await timed(() => deliver(undetectedRound, undetected))),
        () =>
          metered(
            cpu.ceiling,
            async () =>
              (ceilingSeconds += await timed(() =>
                Promise.all(
                  ceilingBatches.map(async (batches) => {
                    for (const trades of batches) await insertCeiling(sql, trades);
                  }),
                ),
              )),
          ),
      ];
      for (const turn of TURN_ORDERS[round % TURN_ORDERS.length] ?? []) {
        await settle();
        await turns[turn]?.();
      }
    }
    const total = ROUNDS * SYMBOLS.length * TRADES_PER_SYMBOL_AND_ROUND;
    await expectTrades(sql, SYMBOLS, total, 'after the first delivery');
    await expectTrades(sql, ceilingSymbols, total, 'after the bulk-insert ceiling');
    await expectTrades(sql, bareSymbols, total, 'without rollups');
    await expectTrades(sql, UNDETECTED_SYMBOLS, total, 'without detection');
    await expectRollups(sql, SYMBOLS, total);
    // The baseline really ran without either level: what the ratio compares against.
    await expectRollups(sql, bareSymbols, 0);

    // The last round's batches delivered again: nothing is stored twice.
    const redelivered = SYMBOLS.length * TRADES_PER_SYMBOL_AND_ROUND;
    const redeliverySeconds = await timed(() => deliver(lastRound));
    await expectTrades(sql, SYMBOLS, total, 'after redelivering a round of batches');
    await expectRollups(sql, SYMBOLS, total);

    const rate = total / seconds;
    const ceilingRate = total / ceilingSeconds;
    const bareRate = total / bareSeconds;
    const undetectedRate = total / undetectedSeconds;
    const note = `${total} trades, ${SYMBOLS.length} symbols in parallel, batches of ${BATCH}, in ${ROUNDS} rounds`;
    return [
      result('persist_trades_per_s', rate, 'trades/s', {
        goal: { op: '>=', value: 50_000 },
        baseline: ceilingRate,
        ratio: rate / ceilingRate,
        note,
      }),
      result('persist_vs_db_ceiling', rate / ceilingRate, '×', {
        goal: { op: '>=', value: 0.8 },
        baseline: ceilingRate,
        note: `baseline (trades/s): the same ${total} trades in the same batches, one prepared INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING per batch, same parallelism, in turns with persist`,
      }),
      // Where both share the cores, as here, persist's Node work counts against the database's;
      // deployed, persist runs beside Cloud SQL, not on it. Omitted when the server is not ours.
      ...(Number.isNaN(cpu.persist.db)
        ? []
        : [
            result('persist_db_cpu_vs_ceiling', cpu.ceiling.db / cpu.persist.db, '×', {
              baseline: (cpu.ceiling.db / total) * 1_000,
              note: `the database's CPU time per trade for the ceiling's inserts ÷ for persist's writes: ${perThousand(cpu.persist.db, total)} ms per 1,000 trades (the ceiling ${perThousand(cpu.ceiling.db, total)}); this process's, ${perThousand(cpu.persist.node, total)} ms (the ceiling ${perThousand(cpu.ceiling.node, total)})`,
            }),
          ]),
      result('persist_rollups_ratio', rate / bareRate, '×', {
        goal: { op: '>=', value: 0.85 },
        baseline: bareRate,
        note: `persist_trades_per_s ÷ the same batches through a handler without the rollups' upserts (minutes and hours; baseline, trades/s), in turns with them`,
      }),
      result('persist_detection_ratio', rate / undetectedRate, '×', {
        goal: { op: '>=', value: 0.9 },
        baseline: undetectedRate,
        note: `persist_trades_per_s ÷ the same batches through a handler without anomaly detection (detectAnomalies: false, internal; baseline, trades/s), in turns with it`,
      }),
      result('persist_redelivered_trades_per_s', redelivered / redeliverySeconds, 'trades/s', {
        note: 'the same batches delivered again: every trade a duplicate, none stored',
      }),
    ];
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const perThousand = (ms: number, trades: number) => ((ms / trades) * 1_000).toFixed(2);

/**
 * The database's bulk-insert ceiling for a batch: the trades as arrays into one prepared statement
 * (postgres.js prepares it once per connection), values crossing as text like persist's.
 */
async function insertCeiling(sql: Sql, trades: ReturnType<typeof makeTrades>): Promise<void> {
  await sql`
    insert into trades (trade_id, symbol, price, volume, ts, source, message_id)
    select trade_id, symbol, price, volume, ts, 'bench', 'ceiling'
    from unnest(
      ${trades.map((t) => t.trade_id)}::text[],
      ${trades.map((t) => t.symbol)}::text[],
      ${trades.map((t) => String(t.price))}::text[]::numeric[],
      ${trades.map((t) => String(t.volume))}::text[]::numeric[],
      ${trades.map((t) => t.ts)}::text[]::timestamptz[]
    ) as t(trade_id, symbol, price, volume, ts)
    on conflict (trade_id, ts) do nothing`;
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

/** Every trade persist stored is counted once in its minute's rollup and once in its hour's. */
async function expectRollups(sql: Sql, symbols: string[], expected: number): Promise<void> {
  const [row] = await sql<{ minutes: number; hours: number }[]>`
    select (select coalesce(sum(trade_count), 0)::int from minute_rollups
            where symbol = any(${symbols}::text[])) as minutes,
           (select coalesce(sum(trade_count), 0)::int from hour_rollups
            where symbol = any(${symbols}::text[])) as hours`;
  if (row?.minutes !== expected || row.hours !== expected)
    throw new Error(
      `persist bench: ${row?.minutes ?? 0} trades in the minute rollups and ${row?.hours ?? 0} in the hour rollups, expected ${expected}`,
    );
}
