/**
 * `npm run bench`: starts what it needs (PostgreSQL: DATABASE_URL's server or an embedded one; the
 * Pub/Sub emulator; the functions, built as deployed), generates its own data in a database of its
 * own, prints a table and writes the figures as JSON to $BENCH_OUT (default .bench/results.json).
 * BENCH_ONLY=persist,api limits the run to some benches; BENCH_SCALE_TRADES (default 20000000) is
 * the larger size of the scale bench. Exits 1 when a goal does not hold.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../../infra/local-stack/repo-root.js';
import {
  EmulatorNotInstalledError,
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { benchApi } from './api.bench.js';
import { benchCandles } from './candles.bench.js';
import { benchCandlesYear } from './candles-year.bench.js';
import { benchColdStart } from './cold-start.bench.js';
import { benchEndToEnd } from './e2e.bench.js';
import { benchIndicators } from './indicators.bench.js';
import { benchPersist } from './persist.bench.js';
import { benchScale, DEFAULT_LARGE } from './scale.bench.js';
import { benchStream } from './stream.bench.js';
import { openBenchDatabase, type BenchDatabase } from './support/bench-database.js';
import { buildFunctions } from './support/build.js';
import { stopServers } from './support/function-server.js';
import { formatTable, round, writeReport, type BenchResult } from './support/results.js';

interface Context {
  db: BenchDatabase;
  emulator?: PubSubEmulator;
}

const BENCHES: Record<string, (context: Context) => Promise<BenchResult[]>> = {
  persist: ({ db }) => benchPersist(db),
  'cold-start': ({ db }) => benchColdStart(db),
  api: ({ db }) => benchApi(db),
  candles: ({ db }) => benchCandles(db),
  'candles-year': ({ db }) => benchCandlesYear(db),
  indicators: ({ db }) => benchIndicators(db),
  e2e: async ({ db, emulator }) => {
    if (emulator !== undefined) return benchEndToEnd(db, emulator);
    // Without gcloud the other figures are still worth having; this one is reported missing.
    say(`WARNING: e2e not measured: ${new EmulatorNotInstalledError().message}`);
    notMeasured.push('e2e');
    return [];
  },
  stream: async ({ db, emulator }) => {
    if (emulator !== undefined) return benchStream(db, emulator);
    say(`WARNING: stream not measured: ${new EmulatorNotInstalledError().message}`);
    notMeasured.push('stream');
    return [];
  },
  // Last: it grows the run's database to BENCH_SCALE_TRADES trades.
  scale: ({ db }) => benchScale(db, scaleTrades()),
};
/** Benches that publish through the Pub/Sub emulator. */
const NEED_EMULATOR = ['e2e', 'stream'];

/**
 * Run only when BENCH_ONLY names them: candles-year loads 31.5 million trades first, 15-30 minutes
 * on a busy 2-core machine, several times all the others together.
 */
const OPT_IN = ['candles-year'];

const selected =
  process.env.BENCH_ONLY?.split(',').filter((name) => name !== '') ??
  Object.keys(BENCHES).filter((name) => !OPT_IN.includes(name));
const unknown = selected.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(
    `BENCH_ONLY: unknown bench(es) ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`,
  );
  process.exit(2);
}
function scaleTrades(): number {
  const given = process.env.BENCH_SCALE_TRADES;
  if (given === undefined || given === '') return DEFAULT_LARGE;
  const value = Number(given);
  if (!Number.isInteger(value) || value < 2_000_000 || value > 1_000_000_000) {
    process.stderr.write(
      `BENCH_SCALE_TRADES: must be a whole number from 2000000 to 1000000000 (got ${JSON.stringify(given)})\n`,
    );
    process.exit(2);
  }
  return value;
}
const needsEmulator = selected.some((name) => NEED_EMULATOR.includes(name));
const out = resolve(process.env.BENCH_OUT ?? '.bench/results.json');
const say = (line: string) => process.stderr.write(`bench: ${line}\n`);

const stoppers: (() => Promise<void>)[] = [];
const notMeasured: string[] = [];
const stopAll = async () => {
  await stopServers();
  for (const stop of stoppers.splice(0).reverse()) await stop().catch(() => undefined);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping what the bench started`);
    void stopAll().finally(() => process.exit(130));
  });
}

// Other work on a shared machine moves every figure: the report says how busy it was.
const loadAtStart = loadavg()[0] ?? 0;
let exitCode = 0;
try {
  say(
    'building the functions, starting PostgreSQL' +
      (needsEmulator ? ' and the Pub/Sub emulator' : ''),
  );
  const [buildProblems, db, emulator] = await Promise.all([
    buildFunctions(),
    openBenchDatabase(process.env.DATABASE_URL).then((db) => {
      stoppers.push(() => db.close());
      return db;
    }),
    needsEmulator
      ? startPubSubEmulator().then(
          (emulator) => {
            stoppers.push(() => emulator.stop());
            return emulator;
          },
          (error: unknown) => {
            if (error instanceof EmulatorNotInstalledError) return undefined;
            throw error;
          },
        )
      : Promise.resolve(undefined),
  ]);
  if (buildProblems !== undefined)
    say(`tsc reported problems; benching the JavaScript it emitted anyway:\n${buildProblems}`);

  const results: BenchResult[] = [];
  for (const name of selected) {
    say(`${name}…`);
    const started = performance.now();
    const figures = await (BENCHES[name] as (context: Context) => Promise<BenchResult[]>)({
      db,
      ...(emulator === undefined ? {} : { emulator }),
    });
    results.push(...figures);
    say(`${name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }

  const report = { machine: machine(db), results };
  await writeReport(out, report);
  const failing = results.filter((r) => r.holds === false);
  const goals = results.filter((r) => r.holds !== undefined);
  process.stdout.write(`\n${formatTable(results)}\n\n`);
  process.stdout.write(
    `${goals.length - failing.length} of ${goals.length} goals hold; JSON in ${out}\n`,
  );
  if (notMeasured.length > 0) {
    process.stdout.write(`not measured: ${notMeasured.join(', ')}\n`);
    exitCode = 1;
  }
  if (failing.length > 0) {
    process.stdout.write(`not holding: ${failing.map((r) => r.name).join(', ')}\n`);
    exitCode = 1;
  }
} catch (error) {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  exitCode = 1;
} finally {
  await stopAll();
}
process.exit(exitCode);

function machine(db: BenchDatabase): Record<string, unknown> {
  // Read from the files: packages whose "exports" hide their package.json refuse require().
  const version = (pkg: string) =>
    (
      JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    postgres: `${db.version} (${db.server})`,
    functions_framework: version('@google-cloud/functions-framework'),
    autocannon: version('autocannon'),
    date: new Date().toISOString(),
    load_average_1m: { at_start: round(loadAtStart), at_end: round(loadavg()[0] ?? 0) },
  };
}
