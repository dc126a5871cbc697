/**
 * `npm run load-test` (issue 5, Load): /price/latest, /trades and /candles together at 50
 * connections for 30 s while trades flow in at ≥ 1,000 a second (published to the Pub/Sub
 * emulator, pushed to persist). Prints p50/p99 per route and a zero-errors check; a benchmark that
 * prints figures, not a timed assertion. Exits 1 when a request or a trade failed.
 * LOAD_SECONDS shortens the run; results also go to .bench/load-test.json.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import getPort from 'get-port';
import { startFunction, type FunctionProcess } from '../../infra/local-stack/function-process.js';
import {
  ensureTopicAndPushSubscription,
  persistPushSubscription,
  startPubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { REPO_ROOT } from '../../infra/local-stack/repo-root.js';
import { openBenchDatabase } from './support/bench-database.js';
import { formatColumns } from './support/results.js';
import { startPublisher } from './support/trade-flow.js';
import { createSymbols } from './support/trades.js';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
/** A margin over the 1,000/s required: what is stored during the window trails what is published. */
const TRADES_PER_SECOND = 1_100;
const REQUIRED_TRADES_PER_SECOND = 1_000;
const SYMBOLS = ['LD1', 'LD2', 'LD3', 'LD4', 'LD5'];
const HISTORY_HOURS = 6;
const TOPIC = 'load-trades';
/** 50 connections in all, shared out among the routes. */
const ROUTES = [
  { name: '/price/latest', connections: 17, path: (s: string) => `/price/latest?symbol=${s}` },
  { name: '/trades', connections: 17, path: (s: string) => `/trades?symbol=${s}&limit=100` },
  {
    name: '/candles',
    connections: 16,
    path: (s: string) => `/candles?symbol=${s}&interval=1m&limit=500`,
  },
];

const say = (line: string) => process.stderr.write(`load-test: ${line}\n`);
const stoppers: (() => Promise<void>)[] = [];
const stopAll = async () => {
  for (const stop of stoppers.splice(0).reverse()) await stop().catch(() => undefined);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
}

let exitCode = 0;
try {
  say('starting PostgreSQL and the Pub/Sub emulator');
  const [db, emulator] = await Promise.all([
    openBenchDatabase(process.env.DATABASE_URL).then((db) => (stoppers.push(() => db.close()), db)),
    startPubSubEmulator().then((emulator) => (stoppers.push(() => emulator.stop()), emulator)),
  ]);
  await createSymbols(db.sql, SYMBOLS);
  say(
    `loading ${HISTORY_HOURS} h of history (a trade a second per symbol) for /trades and /candles`,
  );
  await db.sql`
    insert into trades (trade_id, symbol, price, volume, ts, source)
    select s || '-h' || i, s, round((100 + 5 * sin(i / 600.0))::numeric, 2), 1 + (i % 97),
           now() - make_interval(secs => ${HISTORY_HOURS * 3600} - i), 'history'
    from unnest(${SYMBOLS}::text[]) as s, generate_series(1, ${HISTORY_HOURS * 3600 - 60}) as i`;
  // Written around persist: the minute rollups persist would have kept (migration 0011).
  await db.sql`select rebuild_minute_rollups()`;
  await db.sql.unsafe('vacuum analyze trades, minute_rollups, hour_rollups');

  await mkdir(join(REPO_ROOT, '.bench/logs'), { recursive: true });
  const start = async (name: 'api' | 'persist'): Promise<FunctionProcess> => {
    const log = createWriteStream(join(REPO_ROOT, `.bench/logs/load-${name}.log`));
    const fn = await startFunction({
      name,
      port: await getPort({ host: '127.0.0.1' }),
      env: { ...process.env, DATABASE_URL: db.url, NODE_ENV: 'production', LOG_LEVEL: 'warn' },
      onLine: (line) => log.write(`${line}\n`),
    });
    stoppers.push(async () => {
      await fn.stop();
      log.end();
    });
    return fn;
  };
  const persist = await start('persist');
  const api = await start('api');
  await ensureTopicAndPushSubscription({
    host: emulator.host,
    ...persistPushSubscription(emulator.projectId, TOPIC, persist.url),
  });

  say(`publishing ${TRADES_PER_SECOND} trades/s; warming up`);
  const publisher = startPublisher({
    emulator,
    topic: TOPIC,
    symbols: SYMBOLS,
    tradesPerSecond: TRADES_PER_SECOND,
  });
  stoppers.push(() => publisher.stop());
  await sleep(3_000);
  const storedBefore = await countFlowTrades(db.sql);
  const publishedBefore = publisher.published();

  say(`${ROUTES.map((r) => `${r.name} × ${r.connections}`).join(', ')} for ${SECONDS} s`);
  const started = performance.now();
  const outcomes = await Promise.all(
    ROUTES.map((route) =>
      autocannon({
        url: api.url,
        connections: route.connections,
        duration: SECONDS,
        requests: SYMBOLS.map((symbol) => ({ method: 'GET', path: route.path(symbol) })),
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const storedDuring = (await countFlowTrades(db.sql)) - storedBefore;
  const publishedDuring = publisher.published() - publishedBefore;
  await publisher.stop();

  // Every accepted trade stored, once: wait for persist to drain what the emulator still holds.
  const published = publisher.published();
  let stored = 0;
  const drainDeadline = Date.now() + 60_000;
  while ((stored = await countFlowTrades(db.sql)) < published && Date.now() < drainDeadline)
    await sleep(250);
  const [rejected] = await db.sql<
    { n: number }[]
  >`select count(*)::int as n from rejected_messages`;

  const rows = ROUTES.map((route, i) => {
    const o = outcomes[i] as autocannon.Result;
    return {
      route: route.name,
      connections: route.connections,
      requests: o.requests.total,
      rps: Math.round(o.requests.average),
      p50_ms: o.latency.p50,
      p99_ms: o.latency.p99,
      errors: o.errors + o.timeouts,
      non_2xx: o.non2xx,
    };
  });
  const ingestion = {
    published_per_s: Math.round(publishedDuring / seconds),
    stored_per_s: Math.round(storedDuring / seconds),
    published: published,
    stored,
    publish_errors: publisher.errors(),
    rejected_messages: rejected?.n ?? 0,
  };
  const failures =
    rows.reduce((sum, row) => sum + row.errors + row.non_2xx, 0) +
    ingestion.publish_errors +
    ingestion.rejected_messages +
    (published - stored);

  process.stdout.write(`\n${table(rows)}\n\n`);
  process.stdout.write(
    `ingestion during the load: ${ingestion.published_per_s} trades/s published, ${ingestion.stored_per_s} trades/s stored; ` +
      `${stored} of ${published} published trades stored, ${ingestion.publish_errors} publish errors, ${ingestion.rejected_messages} rejected messages\n`,
  );
  const enoughFlow = ingestion.stored_per_s >= REQUIRED_TRADES_PER_SECOND;
  process.stdout.write(
    `zero errors: ${failures === 0 ? 'yes' : `NO (${failures})`}; ingestion ≥ ${REQUIRED_TRADES_PER_SECOND}/s: ${enoughFlow ? 'yes' : 'NO'}\n`,
  );
  await writeFile(
    join(REPO_ROOT, '.bench/load-test.json'),
    `${JSON.stringify({ seconds: Math.round(seconds), routes: rows, ingestion, failures }, null, 2)}\n`,
  );
  if (failures > 0) exitCode = 1;
} catch (error) {
  process.stderr.write(
    `load test failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  exitCode = 1;
} finally {
  await stopAll();
}
process.exit(exitCode);

async function countFlowTrades(
  sql: Awaited<ReturnType<typeof openBenchDatabase>>['sql'],
): Promise<number> {
  const [row] = await sql<
    { n: number }[]
  >`select count(*)::int as n from trades where source = 'load'`;
  return row?.n ?? 0;
}

function table(rows: Record<string, string | number>[]): string {
  const header = Object.keys(rows[0] ?? {});
  return formatColumns([header, ...rows.map((row) => header.map((key) => String(row[key])))]);
}
