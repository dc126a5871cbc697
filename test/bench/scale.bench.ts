/**
 * scale_*: do reads and writes stay as fast when `trades` grows from 1 M trades to
 * BENCH_SCALE_TRADES (20 M by default)? The same probe is measured at both sizes: one symbol's day
 * of trades (identical in both) read through the api as candles, as a page of trades and as the
 * latest price, and persist's throughput on fresh batches; the filler that grows the table is other
 * symbols' trades over the past year, spread across monthly partitions, loaded with
 * generate_series. Then: dropping a month of trades past retention, in milliseconds.
 */
import type { Sql } from '../../shared/db/client.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createMonthPartition } from '../../shared/trades/create-month-partition.js';
import { dropMonthPartition } from '../../shared/trades/drop-month-partition.js';
import { monthlyPartitions } from '../../shared/trades/partition-maintenance.js';
import { addMonths, monthOf } from '../../shared/trades/trade-partitions.js';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import type { BenchDatabase } from './support/bench-database.js';
import { BUILT_MAIN } from './support/build.js';
import { functionEnv } from './support/function-env.js';
import { functionsFrameworkArgs, serve } from './support/function-server.js';
import { result, type BenchResult } from './support/results.js';
import { median, timed, timeRuns } from './support/stats.js';
import { chunk, createSymbols, makeTrades, tradeMessage } from './support/trades.js';

const SMALL = 1_000_000;
export const DEFAULT_LARGE = 20_000_000;
const PROBE = 'SCALE';
const PROBE_TRADES = 86_400; // one a second over a day
const FILLER_SYMBOLS = 20;
const FILLER_MONTHS = 12;
const DAY_MS = 86_400_000;
const LOAD_CHUNK = 1_000_000;
/** Each read is a few milliseconds: enough runs that a median holds from run to run. */
const READ_RUNS = 31;
const PERSIST_SYMBOLS = ['SP1', 'SP2', 'SP3', 'SP4'];
/** Rounds of a third of a second each: at 3 rounds of 20,000 the 1 M figure moved 77k–128k/s. */
const PERSIST_PER_SYMBOL = 10_000;
const PERSIST_ROUNDS = 5;

interface Figures {
  candlesMs: number;
  tradesMs: number;
  latestMs: number;
  persistPerS: number;
}

export async function benchScale(db: BenchDatabase, large: number): Promise<BenchResult[]> {
  const logger = createLogger({ level: 'warn' });
  const now = Date.now();
  // The probe's day: yesterday, closed; the filler: the year before the day before yesterday.
  const dayStart = Math.floor(now / DAY_MS) * DAY_MS - DAY_MS;
  const fillerEnd = dayStart - DAY_MS;
  const fillerStart = addMonths(monthOf(new Date(fillerEnd)), -FILLER_MONTHS).getTime();
  for (
    let month = monthOf(new Date(fillerStart));
    month.getTime() <= now;
    month = addMonths(month, 1)
  )
    await createMonthPartition(db.sql, month, { logger });
  const symbols = Array.from({ length: FILLER_SYMBOLS }, (_, i) => `FILL${i}`);
  await createSymbols(db.sql, [PROBE, ...symbols, ...PERSIST_SYMBOLS]);
  await loadProbe(db.sql, dayStart);

  const loadSmall = await loadFiller(
    db.sql,
    0,
    SMALL - PROBE_TRADES,
    large,
    fillerStart,
    fillerEnd,
  );
  const server = await serve({
    args: functionsFrameworkArgs(BUILT_MAIN, 'api'),
    env: functionEnv(db, { FUNCTION_TARGET: 'api', LOG_LEVEL: 'warn' }),
    logName: 'api-scale',
    readyPath: '/health',
  });
  let small: Figures;
  let big: Figures;
  let loadLarge: number;
  try {
    small = await measure(db, server.url, dayStart, 'small');
    loadLarge = await loadFiller(
      db.sql,
      SMALL - PROBE_TRADES,
      large - PROBE_TRADES,
      large,
      fillerStart,
      fillerEnd,
    );
    big = await measure(db, server.url, dayStart, 'large');
  } finally {
    await server.stop();
  }

  // Retention: the oldest month of filler, dropped whole.
  const [oldest] = await monthlyPartitions(db.sql);
  if (oldest === undefined) throw new Error('scale bench: no monthly partition to drop');
  const dropped = await dropMonthPartition(db.sql, oldest, { logger, retentionDays: 1 });
  if (dropped === undefined) throw new Error('scale bench: the oldest month was not dropped');

  const sizes = `${millions(SMALL)} M → ${millions(large)} M trades`;
  const growth = (name: string, key: keyof Figures, unit: string, what: string) => {
    // Throughput grows the other way: the ratio is always "how much worse at the larger size".
    const ratio = key === 'persistPerS' ? small[key] / big[key] : big[key] / small[key];
    return result(`scale_${name}_growth`, ratio, '×', {
      goal: { op: '<=', value: 1.2 },
      baseline: small[key],
      note: `${what}: ${round1(small[key])} ${unit} at ${millions(SMALL)} M, ${round1(big[key])} ${unit} at ${millions(large)} M trades`,
    });
  };
  return [
    growth(
      'candles',
      'candlesMs',
      'ms',
      `GET /candles 7m over ${PROBE}'s day (${PROBE_TRADES} trades, computed each time), median of ${READ_RUNS}`,
    ),
    growth(
      'trades',
      'tradesMs',
      'ms',
      `GET /trades limit=1000 in ${PROBE}'s day, median of ${READ_RUNS}`,
    ),
    growth('latest_price', 'latestMs', 'ms', `GET /price/latest, median of ${READ_RUNS}`),
    growth(
      'persist',
      'persistPerS',
      'trades/s',
      `persist, ${PERSIST_SYMBOLS.length} symbols in parallel, batches of 1000, median of ${PERSIST_ROUNDS} rounds of ${PERSIST_SYMBOLS.length * PERSIST_PER_SYMBOL}`,
    ),
    result('scale_load_s', loadSmall + loadLarge, 's', {
      note: `${sizes} by generate_series in chunks of ${millions(LOAD_CHUNK)} M, then VACUUM ANALYZE: ${Math.round(loadSmall)} s to ${millions(SMALL)} M, ${Math.round(loadLarge)} s more to ${millions(large)} M (BENCH_SCALE_TRADES=${large})`,
    }),
    result('retention_drop_month_ms', dropped.dropMs, 'ms', {
      note: `DROP TABLE of the oldest month (${dropped.trades} trades) at ${millions(large)} M trades; with counting its trades per symbol for trade_counts first: ${Math.round(dropped.ms)} ms`,
    }),
  ];
}

const millions = (n: number) => String(Math.round(n / 100_000) / 10);
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The probe symbol's day: a trade a second, identical at both sizes, and its latest price. */
async function loadProbe(sql: Sql, dayStart: number): Promise<void> {
  await sql`
    insert into trades (trade_id, symbol, price, volume, ts, source)
    select ${PROBE} || '-' || i, ${PROBE}, round((100 + 5 * sin(i / 500.0))::numeric, 2), 1 + i % 97,
           ${new Date(dayStart).toISOString()}::timestamptz + i * interval '1 second', 'bench'
    from generate_series(0, ${PROBE_TRADES - 1}) as i`;
  await sql`
    insert into latest_prices (symbol, trade_id, seq, price, volume, ts)
    select symbol, trade_id, seq, price, volume, ts from trades
    where symbol = ${PROBE} order by ts desc limit 1`;
}

/**
 * Filler trades number `from` to `to` (exclusive) of `total`, spread evenly over the filler's
 * time span whatever the final size, so the larger table holds the smaller one's trades and more.
 */
async function loadFiller(
  sql: Sql,
  from: number,
  to: number,
  total: number,
  startMs: number,
  endMs: number,
): Promise<number> {
  const stepMs = (endMs - startMs) / total;
  const seconds = await timed(async () => {
    for (let first = from; first < to; first += LOAD_CHUNK) {
      const last = Math.min(to, first + LOAD_CHUNK) - 1;
      // Spread in time by a permutation of the index, so each chunk lands in every month.
      await sql`
        insert into trades (trade_id, symbol, price, volume, ts, source)
        select 'F-' || i, 'FILL' || (i % ${FILLER_SYMBOLS}), round((50 + (i % 1000) / 10.0)::numeric, 2),
               1 + i % 89,
               ${new Date(startMs).toISOString()}::timestamptz
                 + ((i::bigint * 7919) % ${total}) * (${stepMs} * interval '1 millisecond'),
               'bench'
        from generate_series(${first}::bigint, ${last}::bigint) as i`;
      process.stderr.write(`bench: scale: ${millions(last + 1)} M filler trades loaded\n`);
    }
    // The minute and hour rollups persist would have kept for every trade (the probe's among
    // them), by the migrations' own backfill: without them /candles finds no minutes to read, and
    // the rollups' tables would not grow with the trades as they do in use.
    process.stderr.write('bench: scale: rebuilding the minute and hour rollups\n');
    await sql`select rebuild_minute_rollups()`;
    await sql.unsafe('vacuum analyze trades, minute_rollups, hour_rollups');
    // The load's dirty pages written out now, untimed: otherwise the checkpoint they bring on runs
    // into the measurements at the larger size and times the load, not the table's size.
    await sql`checkpoint`.catch((error: unknown) => {
      console.warn(
        `scale bench: CHECKPOINT refused (${String(error)}); the load may weigh on the figures`,
      );
    });
  });
  return seconds;
}

async function measure(
  db: BenchDatabase,
  base: string,
  dayStart: number,
  round: string,
): Promise<Figures> {
  const day = `start=${new Date(dayStart).toISOString()}&end=${new Date(dayStart + DAY_MS).toISOString()}`;
  const get =
    (path: string, check: (body: string) => string | undefined = () => undefined) =>
    async () => {
      const response = await fetch(`${base}${path}`);
      const body = await response.text();
      if (response.status !== 200)
        throw new Error(`GET ${path}: ${response.status} ${body.slice(0, 200)}`);
      const wrong = check(body);
      if (wrong !== undefined) throw new Error(`GET ${path}: ${wrong}`);
    };
  const candles = get(`/candles?symbol=${PROBE}&interval=7m&${day}&limit=5000`, (body) => {
    // Every trade of the day in its candles: an answer that lost its rollups would be fast and
    // empty.
    const { candles: served } = JSON.parse(body) as { candles: { trade_count: number }[] };
    const trades = served.reduce((sum, candle) => sum + candle.trade_count, 0);
    return trades === PROBE_TRADES
      ? undefined
      : `${served.length} candles holding ${trades} trades, expected the day's ${PROBE_TRADES}`;
  });
  const trades = get(`/trades?symbol=${PROBE}&${day}&limit=1000`);
  const latest = get(`/price/latest?symbol=${PROBE}`);
  // The api process and PostgreSQL's buffers warmed at each size alike.
  for (let i = 0; i < 3; i++) for (const warm of [candles, trades, latest]) await warm();
  const candlesMs = median(await timeRuns(READ_RUNS, candles));
  const tradesMs = median(await timeRuns(READ_RUNS, trades));
  const latestMs = median(await timeRuns(READ_RUNS, latest));
  // A round first, not counted: at the smaller size the handler would otherwise run its first
  // batches unoptimized, and the larger size look faster than the smaller.
  await persistRate(db, `${round}-warm`);
  const rates: number[] = [];
  for (let i = 0; i < PERSIST_ROUNDS; i++) rates.push(await persistRate(db, `${round}${i}`));
  return { candlesMs, tradesMs, latestMs, persistPerS: median(rates) };
}

/** persist's trades/s on fresh batches, one stream per symbol as Pub/Sub's ordering keys give. */
async function persistRate(db: BenchDatabase, round: string): Promise<number> {
  const persist = createPersistHandler({ sql: db.sql, logger: createLogger({ level: 'warn' }) });
  const fromMs = Date.now() - 5_000;
  const streams = PERSIST_SYMBOLS.map((symbol) =>
    chunk(makeTrades(`s${round}`, symbol, fromMs, PERSIST_PER_SYMBOL), 1_000).map((trades) =>
      pubsubEvent(tradeMessage(trades)),
    ),
  );
  const seconds = await timed(() =>
    Promise.all(
      streams.map(async (stream) => {
        for (const event of stream) await persist(event);
      }),
    ),
  );
  return (PERSIST_SYMBOLS.length * PERSIST_PER_SYMBOL) / seconds;
}
