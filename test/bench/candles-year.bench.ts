/**
 * candles_1y_1d_ny_ms (issue 17): one year of daily candles for a symbol with a trade every second
 * (31,536,000 trades), nothing in the `candles` store, through the api: 365 buckets aggregated from
 * the 8,760 hour rollups (New York days start on whole UTC hours). The trades are loaded with
 * generate_series and the rollups (minutes, then hours) computed with the migrations' own backfill
 * (rebuild_minute_rollups()), not through persist: 31.5 million
 * trades through persist would take the bench's whole budget.
 */
import type { Sql } from '../../shared/db/client.js';
import type { BenchDatabase } from './support/bench-database.js';
import { BUILT_MAIN } from './support/build.js';
import { functionEnv } from './support/function-env.js';
import { functionsFrameworkArgs, serve } from './support/function-server.js';
import { result, type BenchResult } from './support/results.js';
import { median } from './support/stats.js';
import { timedCandlesRequest } from './support/timed-candles.js';
import { createSymbols } from './support/trades.js';

const SYMBOL = 'CNDLY';
const DAY_MS = 86_400_000;
const DAYS = 365;
const TRADES = DAYS * 86_400; // one a second
const RUNS = 5;
/**
 * The UTC year [start, end) touches 366 New York dates: its first (from 19:00 local) and last (to
 * 19:00 local) are cut. Asking for 365 dropped the last, and the check below failed every run.
 */
const BUCKETS = DAYS + 1;

export async function benchCandlesYear(db: BenchDatabase): Promise<BenchResult[]> {
  // A year ending the day before yesterday: every day closed long ago.
  const end = Math.floor(Date.now() / DAY_MS) * DAY_MS - 2 * DAY_MS;
  const start = end - DAYS * DAY_MS;
  const load = await loadYear(db.sql, start);

  const server = await serve({
    args: functionsFrameworkArgs(BUILT_MAIN, 'api'),
    env: functionEnv(db, { FUNCTION_TARGET: 'api' }),
    logName: 'api-candles-year',
    readyPath: '/health',
  });
  const times: number[] = [];
  try {
    // New York days: 23 and 25 hours long across the DST changes, never stored (computed each time).
    const url = `${server.url}/candles?symbol=${SYMBOL}&interval=1d&timezone=America/New_York&start=${iso(start)}&end=${iso(end)}&limit=${BUCKETS}`;
    const clearStore = () => db.sql`delete from candles where symbol = ${SYMBOL}`;
    await clearStore();
    await fetchYear(url); // warms the process and PostgreSQL's buffers
    for (let i = 0; i < RUNS; i++) {
      await clearStore();
      times.push(await fetchYear(url));
    }
  } finally {
    await server.stop();
  }
  return [
    result('candles_1y_1d_ny_ms', median(times), 'ms', {
      goal: { op: '<=', value: 100 },
      note: `GET /candles?interval=1d over ${BUCKETS} America/New_York dates (a UTC year, both ends cut), ${TRADES} trades, store emptied before each; median of ${RUNS}; trades loaded in ${load.tradesSeconds.toFixed(0)} s, rollups in ${load.rollupsSeconds.toFixed(0)} s`,
    }),
  ];
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A trade a second for the year, a month per statement, then the rollups and VACUUM. Ids
 * zero-padded so the primary key grows at its right edge, and no xid (history stored before the
 * stream's numbering, migration 0009): two of the load's costliest index writes, which the read
 * measured here never uses.
 */
async function loadYear(
  sql: Sql,
  start: number,
): Promise<{ tradesSeconds: number; rollupsSeconds: number }> {
  await createSymbols(sql, [SYMBOL]);
  const started = performance.now();
  const CHUNK_DAYS = 30;
  for (let day = 0; day < DAYS; day += CHUNK_DAYS) {
    const from = day * 86_400;
    const to = Math.min(DAYS, day + CHUNK_DAYS) * 86_400 - 1;
    await sql`
      insert into trades (trade_id, symbol, price, volume, ts, source, xid)
      select ${SYMBOL} || '-' || lpad(i::text, 9, '0'), ${SYMBOL},
             round((100 + 20 * sin(i / 500000.0) + (i % 13) / 100.0)::numeric, 2),
             1 + (i % 97),
             ${iso(start)}::timestamptz + i * interval '1 second',
             'bench', null
      from generate_series(${from}::int, ${to}::int) as i`;
  }
  const tradesSeconds = (performance.now() - started) / 1000;
  const rollupsStarted = performance.now();
  await sql`select rebuild_minute_rollups(${SYMBOL})`;
  // Index-only scans need the visibility map that VACUUM sets.
  await sql.unsafe('vacuum analyze trades, minute_rollups, hour_rollups');
  return { tradesSeconds, rollupsSeconds: (performance.now() - rollupsStarted) / 1000 };
}

/** One request for the year (timedCandlesRequest): a candle a day, every trade. */
function fetchYear(url: string): Promise<number> {
  return timedCandlesRequest(url, { buckets: BUCKETS, trades: TRADES });
}
