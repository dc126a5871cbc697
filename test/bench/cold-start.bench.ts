/**
 * api_cold_start_ms: a new api instance's process start → its first 200 from /health, which also
 * opens its first database connection. The built main module, as deployed, with FUNCTION_TARGET set
 * as Cloud Functions sets it; and, for comparison, with every function loaded.
 */
import type { BenchDatabase } from './support/bench-database.js';
import { BUILT_MAIN } from './support/build.js';
import { functionEnv } from './support/function-env.js';
import { functionsFrameworkArgs, serve } from './support/function-server.js';
import { result, type BenchResult } from './support/results.js';
import { median } from './support/stats.js';

const RUNS = 5;

export async function benchColdStart(db: BenchDatabase): Promise<BenchResult[]> {
  const rss: number[] = [];
  const coldStart = async (env: NodeJS.ProcessEnv) => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const server = await serve({
        args: functionsFrameworkArgs(BUILT_MAIN, 'api'),
        env,
        logName: 'cold-start',
        readyPath: '/health',
      });
      times.push(server.startMs);
      rss.push(await server.peakRssMb());
      await server.stop();
    }
    return median(times);
  };
  const apiOnly = await coldStart(functionEnv(db, { FUNCTION_TARGET: 'api' }));
  const startRss = median(rss);
  const withoutTarget = functionEnv(db);
  delete withoutTarget.FUNCTION_TARGET; // as a local run would: the main loads every function
  const allFunctions = await coldStart(withoutTarget);
  return [
    result('api_cold_start_ms', apiOnly, 'ms', {
      goal: { op: '<=', value: 1_500 },
      baseline: allFunctions,
      ratio: allFunctions / apiOnly,
      note: `median of ${RUNS}; baseline: the same main loading all three functions`,
    }),
    result('api_start_rss_mb', startRss, 'MB', {
      note: 'peak resident memory of a fresh api instance that has answered /health once',
    }),
  ];
}
