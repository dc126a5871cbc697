/**
 * /price/latest under load through the Functions Framework (api_latest_rps, api_latest_p99_ms,
 * api_peak_rss_mb), the framework's own ceiling with a hello-world function on it, and the same
 * Hono app as a plain Node server (api_native_rps). One server at a time, each on the same load.
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../../infra/local-stack/repo-root.js';
import { warmThenLoad, type LoadFigures } from './support/autocannon.js';
import type { BenchDatabase } from './support/bench-database.js';
import { BUILT_MAIN, BUILT_NATIVE_SERVER } from './support/build.js';
import { functionEnv } from './support/function-env.js';
import { functionsFrameworkArgs, serve, type ServeOptions } from './support/function-server.js';
import { result, type BenchResult } from './support/results.js';
import { makeTrades, storeTrades } from './support/trades.js';

const CONNECTIONS = 50;
const SECONDS = 10;
const LATEST_PATH = '/price/latest?symbol=AAPL';

export async function benchApi(db: BenchDatabase): Promise<BenchResult[]> {
  await storeTrades(db.sql, makeTrades('api', 'AAPL', Date.now() - 60_000, 100));
  const env = functionEnv(db, { FUNCTION_TARGET: 'api' });

  let peakRssMb = 0;
  const viaFunctions = await underLoad(
    { args: functionsFrameworkArgs(BUILT_MAIN, 'api'), env, logName: 'api', readyPath: '/health' },
    LATEST_PATH,
    async (server) => {
      peakRssMb = await server.peakRssMb();
    },
  );
  const ceiling = await underLoad(
    {
      args: functionsFrameworkArgs(join(REPO_ROOT, 'test/bench/hello-function.ts'), 'hello', 'tsx'),
      env: functionEnv(db, { FUNCTION_TARGET: 'hello' }),
      logName: 'hello',
    },
    '/',
  );
  const native = await underLoad(
    { args: [BUILT_NATIVE_SERVER], env, logName: 'api-native', readyPath: '/health' },
    LATEST_PATH,
  );

  const how = `autocannon, ${CONNECTIONS} connections, ${SECONDS} s`;
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
      note: `p50 ${viaFunctions.p50Ms} ms`,
    }),
    result('api_ff_ceiling_rps', ceiling.rps, 'req/s', {
      note: `a hello-world function on the same Functions Framework (p99 ${ceiling.p99Ms} ms), ${failures(ceiling)}`,
    }),
    result('api_latest_vs_ff_ceiling', viaFunctions.rps / ceiling.rps, '×', {
      goal: { op: '>=', value: 0.6 },
      baseline: ceiling.rps,
    }),
    result('api_native_rps', native.rps, 'req/s', {
      baseline: viaFunctions.rps,
      ratio: native.rps / viaFunctions.rps,
      note: `/price/latest, the same app on a plain Node server (p99 ${native.p99Ms} ms), ${failures(native)}`,
    }),
    result('api_peak_rss_mb', peakRssMb, 'MB', {
      goal: { op: '<=', value: 200 },
      note: 'VmHWM of the api process after the load above',
    }),
  ];
}

/** Starts a server, loads `path` on it (after a warm-up), lets `inspect` look at it, stops it. */
async function underLoad(
  options: ServeOptions,
  path: string,
  inspect?: (server: Awaited<ReturnType<typeof serve>>) => Promise<void>,
): Promise<LoadFigures> {
  const server = await serve(options);
  try {
    const figures = await warmThenLoad({
      url: `${server.url}${path}`,
      connections: CONNECTIONS,
      durationSeconds: SECONDS,
    });
    await inspect?.(server);
    return figures;
  } finally {
    await server.stop();
  }
}

function failures(figures: LoadFigures): string {
  return `${figures.requests} requests, ${figures.failures} failed`;
}
