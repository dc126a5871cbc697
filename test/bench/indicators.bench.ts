/**
 * MACD(12,26,9) and RSI(14) through the api over candles already stored, each beside the bare
 * /candles request for the same range, in turns: one day of 1m candles, and five years of 1d.
 * The trades reach back before each range, so the warm-up is real work, not an empty lookup.
 */
import type { Sql } from '../../shared/db/client.js';
import type { BenchDatabase } from './support/bench-database.js';
import { BUILT_MAIN } from './support/build.js';
import { functionEnv } from './support/function-env.js';
import { functionsFrameworkArgs, serve } from './support/function-server.js';
import { result, type BenchResult } from './support/results.js';
import { median } from './support/stats.js';
import { createSymbols } from './support/trades.js';

const DAY_MS = 86_400_000;
const ROUNDS = 15;
const iso = (ms: number) => new Date(ms).toISOString();

interface Scenario {
  name: string;
  symbol: string;
  interval: string;
  startMs: number;
  endMs: number;
  buckets: number;
}

export async function benchIndicators(db: BenchDatabase): Promise<BenchResult[]> {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const day: Scenario = {
    name: '1d_1m',
    symbol: 'INDM',
    interval: '1m',
    startMs: today - 2 * DAY_MS,
    endMs: today - DAY_MS,
    buckets: 1_440,
  };
  const years: Scenario = {
    name: '5y_1d',
    symbol: 'INDD',
    interval: '1d',
    startMs: today - 3 * DAY_MS - 1_826 * DAY_MS,
    endMs: today - 3 * DAY_MS,
    buckets: 1_826,
  };
  // A trade every 2 s over the day and the day before; one an hour over six years.
  await loadTrades(db.sql, day.symbol, day.startMs - DAY_MS, day.endMs, 2_000);
  await loadTrades(db.sql, years.symbol, years.startMs - 365 * DAY_MS, years.endMs, 3_600_000);
  await db.sql.unsafe('vacuum analyze trades');

  const server = await serve({
    args: functionsFrameworkArgs(BUILT_MAIN, 'api'),
    env: functionEnv(db, { FUNCTION_TARGET: 'api' }),
    logName: 'api-indicators',
    readyPath: '/health',
  });
  const results: BenchResult[] = [];
  try {
    for (const scenario of [day, years]) results.push(...(await measure(server.url, scenario)));
  } finally {
    await server.stop();
  }
  return results;
}

async function measure(base: string, s: Scenario): Promise<BenchResult[]> {
  const range = `symbol=${s.symbol}&interval=${s.interval}&start=${iso(s.startMs)}&end=${iso(s.endMs)}&limit=${s.buckets}`;
  const requests = {
    candles: `${base}/candles?${range}`,
    macd: `${base}/indicators?${range}&type=macd&short=12&long=26&signal=9`,
    rsi: `${base}/indicators?${range}&type=rsi&window=14`,
  };
  // The first requests store the closed buckets, warm-up included, and warm the process.
  for (const url of Object.values(requests)) await timedGet(url, s.buckets);
  const times = { candles: [] as number[], macd: [] as number[], rsi: [] as number[] };
  // In turns, the order rotating each round, so no request always follows the same one.
  const order = Object.entries(requests);
  for (let round = 0; round < ROUNDS; round++)
    for (let i = 0; i < order.length; i++) {
      const [name, url] = order[(round + i) % order.length] as [string, string];
      times[name as keyof typeof times].push(await timedGet(url, s.buckets));
    }
  const candlesMs = median(times.candles);
  return (['macd', 'rsi'] as const).flatMap((name) => {
    const ms = median(times[name]);
    return [
      result(`indicators_${name}_${s.name}_ms`, ms, 'ms', {
        baseline: candlesMs,
        ratio: ms / candlesMs,
        note: `GET /indicators ${name} over ${s.buckets} stored ${s.interval} candles, median of ${ROUNDS} in turns with GET /candles for the same range (the baseline, ms)`,
      }),
      result(`indicators_${name}_${s.name}_vs_candles`, ms / candlesMs, '×', {
        goal: { op: '<=', value: 1.5 },
        baseline: candlesMs,
      }),
    ];
  });
}

/** Milliseconds until the whole body has arrived; the answer is checked afterwards, untimed. */
async function timedGet(url: string, buckets: number): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200)
    throw new Error(`GET ${url}: ${response.status} ${body.slice(0, 300)}`);
  const answer = JSON.parse(body) as { count: number };
  // Every bucket holds trades: each has a candle, and each indicator a value once defined.
  if (answer.count < buckets - 40)
    throw new Error(`GET ${url}: ${answer.count} values for ${buckets} buckets`);
  return ms;
}

/** One trade every `everyMs` over [fromMs, toMs), prices wandering, in one statement. */
async function loadTrades(sql: Sql, symbol: string, fromMs: number, toMs: number, everyMs: number) {
  await createSymbols(sql, [symbol]);
  await sql`
    insert into trades (trade_id, symbol, price, volume, ts, source)
    select ${symbol} || '-' || i, ${symbol},
           round((100 + 5 * sin(i / 500.0) + (i % 13) / 100.0)::numeric, 2), 1 + (i % 97),
           ${iso(fromMs)}::timestamptz + i * (${everyMs} * interval '1 millisecond'), 'bench'
    from generate_series(0, ${Math.floor((toMs - fromMs) / everyMs) - 1}) as i`;
  // Written around persist: the minute rollups persist would have kept (migration 0011).
  await sql`select rebuild_minute_rollups(${symbol})`;
}
