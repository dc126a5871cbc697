/**
 * /price/latest under load through the Functions Framework (api_latest_rps, api_latest_p99_ms,
 * api_peak_rss_mb), the framework's own ceiling with a hello-world function on it, the same
 * Hono app as a plain Node server (api_native_rps), and the api with rate limits on
 * (api_latest_limits_vs_off: every request counted against one client IP's limit, set high
 * enough never to refuse, so what is measured is the counting: leases in memory, one reservation
 * upsert per batch). The servers run side by side and take the load in turns, round after
 * round, so that each meets the same moments of a busy machine; each figure is the median of its
 * rounds.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../../infra/local-stack/repo-root.js';
import { load, warmThenLoad, type LoadFigures } from './support/autocannon.js';
import type { BenchDatabase } from './support/bench-database.js';
import { BUILT_MAIN, BUILT_NATIVE_SERVER } from './support/build.js';
import { functionEnv } from './support/function-env.js';
import { functionsFrameworkArgs, serve } from './support/function-server.js';
import { result, type BenchResult } from './support/results.js';
import { median } from './support/stats.js';
import { makeTrades, storeTrades } from './support/trades.js';

const CONNECTIONS = 50;
const SECONDS = 10;
const ROUNDS = 3;
const LATEST_PATH = '/price/latest?symbol=AAPL';
/** Rate limits on, the limit far above what the load reaches, the batch at its default. */
const LIMITS_ON = {
  RATE_LIMITS_ENABLED: 'true',
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '10000000',
  RATE_LIMIT_BATCH: '20',
} as const;

export async function benchApi(db: BenchDatabase): Promise<BenchResult[]> {
  await storeTrades(db.sql, makeTrades('api', 'AAPL', Date.now() - 60_000, 100));
  const env = functionEnv(db, { FUNCTION_TARGET: 'api' });
  const servers = {
    api: await serve({
      args: functionsFrameworkArgs(BUILT_MAIN, 'api'),
      env,
      logName: 'api',
      readyPath: '/health',
    }),
    hello: await serve({
      args: functionsFrameworkArgs(join(REPO_ROOT, 'test/bench/hello-function.ts'), 'hello', 'tsx'),
      env: functionEnv(db, { FUNCTION_TARGET: 'hello' }),
      logName: 'hello',
    }),
    native: await serve({
      args: [BUILT_NATIVE_SERVER],
      env,
      logName: 'api-native',
      readyPath: '/health',
    }),
    limited: await serve({
      args: functionsFrameworkArgs(BUILT_MAIN, 'api'),
      env: { ...env, ...LIMITS_ON },
      logName: 'api-limited',
      readyPath: '/health',
    }),
  };
  try {
    const targets = [
      { name: 'api', url: `${servers.api.url}${LATEST_PATH}` },
      { name: 'hello', url: `${servers.hello.url}/` },
      { name: 'native', url: `${servers.native.url}${LATEST_PATH}` },
      { name: 'limited', url: `${servers.limited.url}${LATEST_PATH}` },
    ] as const;
    const rounds: Record<(typeof targets)[number]['name'], LoadFigures[]> = {
      api: [],
      hello: [],
      native: [],
      limited: [],
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const { name, url } of targets) {
        const options = { url, connections: CONNECTIONS, durationSeconds: SECONDS };
        // The first round warms each server up (JIT, pool); later ones find it warm.
        rounds[name].push(await (round === 0 ? warmThenLoad(options) : load(options)));
      }
    }
    const viaFunctions = combine(rounds.api);
    const ceiling = combine(rounds.hello);
    const native = combine(rounds.native);
    const limited = combine(rounds.limited);
    // The limited server takes its turn right after the api's: neighbours in time.
    const limitRatios = rounds.limited.map((r, i) => r.rps / (rounds.api[i]?.rps ?? NaN));
    const windows = await db.sql<{ reserved: number; rows: number }[]>`
      select coalesce(sum(reserved), 0)::int as reserved, count(*)::int as rows
      from rate_limit_windows`;
    const peakRssMb = await servers.api.peakRssMb();
    // Round by round, each ratio compares two runs seconds apart.
    const ratios = rounds.api.map((r, i) => r.rps / (rounds.hello[i]?.rps ?? NaN));
    const vsCeiling = median(ratios);

    const how = `autocannon, ${CONNECTIONS} connections, ${SECONDS} s, median of ${ROUNDS} rounds in turns with the others`;
    return [
      result('api_latest_rps', viaFunctions.rps, 'req/s', {
        note: `${how}, ${failures(viaFunctions)}`,
      }),
      result('api_latest_failed_requests', viaFunctions.failures, 'requests', {
        goal: { op: '<=', value: 0 },
        note: 'errors, timeouts and non-2xx answers during the load above',
      }),
      result('api_latest_p99_ms', viaFunctions.p99Ms, 'ms', {
        goal: { op: '<=', value: 25 },
        note: `p50 ${viaFunctions.p50Ms} ms; rounds: ${rounds.api.map((r) => r.p99Ms).join(', ')} ms`,
      }),
      result('api_ff_ceiling_rps', ceiling.rps, 'req/s', {
        note: `a hello-world function on the same Functions Framework (p99 ${ceiling.p99Ms} ms), ${failures(ceiling)}`,
      }),
      result('api_latest_vs_ff_ceiling', vsCeiling, '×', {
        goal: { op: '>=', value: 0.6 },
        baseline: ceiling.rps,
        note: `median of the rounds' ratios (${ratios.map((r) => r.toFixed(2)).join(', ')}), each api run to the hello-world run after it`,
      }),
      result('api_native_rps', native.rps, 'req/s', {
        baseline: viaFunctions.rps,
        ratio: native.rps / viaFunctions.rps,
        note: `/price/latest, the same app on a plain Node server (p99 ${native.p99Ms} ms), ${failures(native)}`,
      }),
      result('api_latest_limits_vs_off', median(limitRatios), '×', {
        goal: { op: '>=', value: 0.9 },
        baseline: viaFunctions.rps,
        note: `rate limits on (${limited.rps} req/s, p99 ${limited.p99Ms} ms, ${failures(limited)}) over off; rounds ${limitRatios.map((r) => r.toFixed(2)).join(', ')}; ${windows[0]?.reserved ?? 0} requests reserved in ${windows[0]?.rows ?? 0} windows, batches of ${LIMITS_ON.RATE_LIMIT_BATCH}`,
      }),
      result('api_peak_rss_mb', peakRssMb, 'MB', {
        goal: { op: '<=', value: 200 },
        note: 'VmHWM of the api process after the load above',
      }),
    ];
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}

/** The median of the rounds for rates and latencies; every request and failure counted. */
function combine(rounds: LoadFigures[]): LoadFigures {
  return {
    rps: median(rounds.map((r) => r.rps)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    requests: rounds.reduce((sum, r) => sum + r.requests, 0),
    failures: rounds.reduce((sum, r) => sum + r.failures, 0),
  };
}

function failures(figures: LoadFigures): string {
  return `${figures.requests} requests, ${figures.failures} failed`;
}
