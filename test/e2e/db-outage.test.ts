/**
 * A database outage while the pipeline runs, with real parts only: a PostgreSQL server of this
 * test's own (stopped for ~20 s, then started again on the same port and data), the Pub/Sub
 * emulator, and the three functions on the Functions Framework, with a scheduler loop calling
 * ingest every second. A pass-through recorder between the emulator and persist notes every push.
 *
 * The scenario runs once (beforeAll); each test then checks one promise of issue 5 against what
 * was observed: persist refuses valid batches with a 5xx while the database is away (Pub/Sub
 * redelivers), the api answers 503 with the envelope, the pools recover by themselves, and every
 * series is whole afterwards.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PubSub } from '@google-cloud/pubsub';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startEmbeddedDatabase,
  type EmbeddedDatabase,
} from '../../infra/local-stack/embedded-database.js';
import {
  ensureTopicAndPushSubscription,
  persistPushSubscription,
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { loadMigrations, migrate } from '../../shared/db/migrate.js';
import { applyStep, generateTrades, stepFor } from '../../shared/market/random-walk.js';
import { skipWithoutEmulator } from '../support/emulator-required.js';
import {
  emulatorClient,
  serveFunctions,
  type ServedFunctions,
} from '../support/functions-under-test.js';
import {
  startPushRecorder,
  type PushRecorder,
  type RecordedPush,
} from '../support/push-recorder.js';
import { waitFor } from '../support/wait-for.js';

const TOPIC = 'trades-outage';
const SEED = 'outage-test';
const INTERVAL_MS = 1_000;
const OUTAGE_MS = 20_000;
/** The "within a second or two". */
const FAST_MS = 2_000;
/** Longer than anything should take: a request still open then counts as hung. */
const HUNG_MS = 25_000;

/** Routes that need the database, each called three times during the outage. */
const DATABASE_ROUTES: { method: 'GET' | 'POST'; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/symbols' },
  { method: 'GET', path: '/price/latest?symbol=AAPL' },
  { method: 'GET', path: '/price/latest?symbols=AAPL,MSFT' },
  { method: 'POST', path: '/price/latest', body: { symbols: ['AAPL', 'TSLA'] } },
  { method: 'GET', path: '/trades?symbol=AAPL' },
  { method: 'GET', path: '/candles?symbol=AAPL&interval=1m' },
  { method: 'GET', path: '/status/ingestion' },
  { method: 'GET', path: '/metrics' },
];

/** One HTTP call and its outcome; status 0 when it failed or hung past HUNG_MS. */
interface Call {
  what: string;
  status: number;
  startedAt: number;
  endedAt: number;
  requestId: string | null;
  body: string;
}

interface Outcome {
  symbols: string[];
  /** The database was stopped (no server on the port) from downAt until restartAt. */
  downAt: number;
  restartAt: number;
  /** The restarted server accepted connections. */
  upAt: number;
  /** The api's /health first answered 200 after the restart. */
  healthyAt: number;
  /** Valid batches published while the database was away. */
  outageMessages: string[];
  pushes: RecordedPush[];
  probes: Call[];
  aliveProbes: Call[];
  ticks: Call[];
}

interface SeriesRow {
  symbol: string;
  trade_id: string;
  ts: Date;
  price: string;
}

describe.skipIf(skipWithoutEmulator)('a database outage while the pipeline runs', () => {
  let workDir: string;
  let dataDir: string;
  let pg: EmbeddedDatabase;
  let sql: postgres.Sql;
  let emulator: PubSubEmulator;
  let pubsub: PubSub;
  let recorder: PushRecorder;
  let functions: ServedFunctions;
  let urls: ServedFunctions['urls'] = { api: '', ingest: '', persist: '', monitor: '' };
  const scheduler = { running: false, ticks: [] as Call[], done: Promise.resolve() };
  let outcome: Outcome;

  // The test's own reads must never wait on a dead connection: a short connect timeout, no backoff.
  const connectTestClient = () =>
    postgres(pg.url, { max: 2, onnotice: () => undefined, connect_timeout: 2, backoff: false });

  const call = async (
    base: string,
    what: string,
    init: { method: string; path?: string; body?: unknown },
  ): Promise<Call> => {
    const startedAt = Date.now();
    try {
      const response = await fetch(`${base}${init.path ?? ''}`, {
        method: init.method,
        ...(init.body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) }),
        signal: AbortSignal.timeout(HUNG_MS),
      });
      const body = await response.text();
      return {
        what,
        status: response.status,
        startedAt,
        endedAt: Date.now(),
        requestId: response.headers.get('x-request-id'),
        body,
      };
    } catch (error) {
      return {
        what,
        status: 0,
        startedAt,
        endedAt: Date.now(),
        requestId: null,
        body: String(error),
      };
    }
  };
  const ingest = () => call(urls.ingest, 'ingest', { method: 'POST', body: {} });
  const probe = (route: (typeof DATABASE_ROUTES)[number]) =>
    call(urls.api, `${route.method} ${route.path}`, route);

  /** Cloud Scheduler, locally: one ingest call per interval, each waiting for the one before. */
  const startScheduler = () => {
    scheduler.running = true;
    scheduler.done = (async () => {
      while (scheduler.running) {
        const tick = await ingest();
        scheduler.ticks.push(tick);
        await sleep(Math.max(0, INTERVAL_MS - (tick.endedAt - tick.startedAt)));
      }
    })();
  };
  const stopScheduler = async () => {
    scheduler.running = false;
    await scheduler.done;
  };

  const latestBySymbol = async () =>
    new Map(
      (
        await sql<{ symbol: string; price: string; ts: Date }[]>`
          select symbol, price::text, ts from latest_prices order by symbol`
      ).map((row) => [row.symbol, { price: row.price, timestampMs: row.ts.getTime() }]),
    );

  /** Publishes the continuation of every series up to now, as a publisher that needs no database would. */
  const publishContinuation = (from: Map<string, { price: string; timestampMs: number }>) =>
    Promise.all(
      [...from].map(([symbol, last]) => {
        const trades = generateTrades({
          seed: SEED,
          symbol,
          last,
          untilMs: Date.now(),
          intervalMs: INTERVAL_MS,
          maxTrades: 1_000,
          maxBackfillMs: 3_600_000,
        });
        return pubsub.topic(TOPIC).publishMessage({
          data: Buffer.from(JSON.stringify({ v: 1, source: 'synthetic', trades })),
          attributes: { schema: 'trades.v1' },
        });
      }),
    );

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'mdp-outage-'));
    // As root, PostgreSQL runs as the postgres user, which must be able to enter this directory.
    await chmod(workDir, 0o755);
    dataDir = join(workDir, 'pg');
    // persistent: the data must survive the stop; the directory is removed in afterAll.
    pg = await startEmbeddedDatabase({ dataDir, persistent: true });
    sql = connectTestClient();
    await migrate(sql, await loadMigrations());

    emulator = await startPubSubEmulator();
    pubsub = emulatorClient(emulator);
    functions = await serveFunctions(
      {
        DATABASE_URL: pg.url,
        PUBSUB_EMULATOR_HOST: emulator.host,
        GOOGLE_CLOUD_PROJECT: emulator.projectId,
        PUBSUB_TOPIC: TOPIC,
        INGESTION_INTERVAL_SECONDS: String(INTERVAL_MS / 1_000),
        INGEST_SEED: SEED,
        LOG_LEVEL: 'error',
      },
      ['api', 'ingest', 'persist'],
    );
    urls = functions.urls;
    recorder = await startPushRecorder(urls.persist);
    await ensureTopicAndPushSubscription({
      host: emulator.host,
      ...persistPushSubscription(emulator.projectId, TOPIC, recorder.url),
    });

    outcome = await runOutage();
  }, 150_000);

  afterAll(async () => {
    await stopScheduler();
    await recorder.stop();
    await functions.close();
    await pubsub.close();
    await emulator.stop();
    await sql.end({ timeout: 1 });
    await pg.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  async function runOutage(): Promise<Outcome> {
    // A running pipeline: the first trade of each series, then the scheduler every second.
    expect((await ingest()).status).toBe(200);
    const symbols = await waitFor('every series to start', async () => {
      const latest = await latestBySymbol();
      return latest.size === 5 ? [...latest.keys()] : undefined;
    });
    startScheduler();
    await sleep(4_000);
    const beforeOutage = await latestBySymbol();

    // The outage: a fast shutdown ends every open connection; then nothing listens on the port.
    await sql.end({ timeout: 1 });
    await pg.stop();
    const downAt = Date.now();

    // While it lasts: valid batches keep arriving (the continuation of every series), and every
    // database route of the api is called three times, all at once. Neither may delay the restart.
    const during = (async () => {
      const outageMessages: string[] = [];
      const probes: Call[] = [];
      const aliveProbes: Call[] = [];
      for (const at of [2_000, 8_000, 14_000]) {
        await sleep(Math.max(0, downAt + at - Date.now()));
        outageMessages.push(...(await publishContinuation(beforeOutage)));
        const round = DATABASE_ROUTES.map(probe);
        aliveProbes.push(await probe({ method: 'GET', path: '/' }));
        probes.push(...(await Promise.all(round)));
      }
      return { outageMessages, probes, aliveProbes };
    })();
    await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));

    const restartAt = Date.now();
    pg = await startEmbeddedDatabase({ dataDir, port: pg.port, persistent: true });
    const upAt = Date.now();
    sql = connectTestClient();
    const { outageMessages, probes, aliveProbes } = await during;

    // Nothing but the database was restarted: the functions' own pools must reconnect.
    const healthyAt = await waitFor(
      'the api to report a healthy database',
      async () =>
        (await probe({ method: 'GET', path: '/health' })).status === 200 ? Date.now() : undefined,
      30_000,
      100,
    );
    await waitFor(
      'every batch refused during the outage to be stored after it',
      () => outageMessages.every((id) => recorder.of(id).some((p) => p.status < 300)) || undefined,
      30_000,
      200,
    );
    await sleep(3_000);
    await stopScheduler();
    expect((await ingest()).status).toBe(200);
    const lastSlot = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
    await waitFor(
      'every series to reach the last ingest',
      async () =>
        [...(await latestBySymbol()).values()].every(
          (l) => l.timestampMs >= lastSlot - INTERVAL_MS,
        ) || undefined,
      20_000,
      200,
    );
    // A redelivery still on its way lands within the emulator's retry delay.
    await sleep(2_000);
    return {
      symbols,
      downAt,
      restartAt,
      upAt,
      healthyAt,
      outageMessages,
      pushes: [...recorder.pushes],
      probes,
      aliveProbes,
      ticks: [...scheduler.ticks],
    };
  }

  const whileDown = <T extends { startedAt: number; endedAt: number }>(items: T[]) =>
    items.filter((item) => item.startedAt > outcome.downAt && item.endedAt < outcome.restartAt);

  it('persist refuses every valid batch with a 5xx while the database is away', () => {
    // Every push persist answered between the stop and the restart: none acknowledged (a 2xx
    // would drop the batch), none refused as poison (a 4xx); all of them valid batches.
    const answered = whileDown(outcome.pushes);
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.filter((push) => push.status < 500)).toEqual([]);
  });

  it('Pub/Sub redelivers each batch published during the outage until it is stored', () => {
    for (const id of outcome.outageMessages) {
      const statuses = outcome.pushes.filter((push) => push.messageId === id).map((p) => p.status);
      // Refused (5xx) any number of times, then stored; nothing refuses it once it is stored (a
      // second delivery after that, which Pub/Sub may make, stores nothing new and succeeds).
      const stored = statuses.indexOf(204);
      expect({ id, stored: stored >= 0 }).toEqual({ id, stored: true });
      expect(statuses.slice(0, stored).filter((status) => status < 500)).toEqual([]);
      expect(statuses.slice(stored).filter((status) => status !== 204)).toEqual([]);
    }
  });

  it('the api answers 503 with the error envelope on every database route, never a 500 or internals', () => {
    expect(outcome.probes).toHaveLength(3 * DATABASE_ROUTES.length);
    // Each answered with a 503, or a 200 if still waiting when the database came back. A probe
    // that hung (status 0) is the next test's to report.
    const wrong = outcome.probes
      .filter((p) => p.status !== 0)
      .filter((p) => !(p.status === 503 || (p.status === 200 && p.endedAt > outcome.restartAt)))
      .map((p) => ({ probe: p.what, status: p.status, ms: p.endedAt - p.startedAt, body: p.body }));
    expect(wrong).toEqual([]);
    for (const probe of outcome.probes.filter((p) => p.status !== 0)) {
      expect(probe.body).not.toMatch(/ at |Error:|ECONNREFUSED|postgres|node_modules/);
      if (probe.status !== 503) continue;
      expect(JSON.parse(probe.body), probe.what).toMatchObject({
        error: 'database_unavailable',
        message: expect.stringMatching(/unreachable/) as string,
        details: [],
        status: 503,
        request_id: probe.requestId,
      });
    }
    // Routes that do not need the database stay up.
    expect(outcome.aliveProbes.map((p) => p.status)).toEqual([200, 200, 200]);
  });

  it('ingest answers 503 while the database is away, and publishes again after', () => {
    const down = outcome.ticks.filter(
      (t) => t.startedAt > outcome.downAt + 500 && t.startedAt < outcome.restartAt,
    );
    expect(whileDown(down).length).toBeGreaterThan(0);
    for (const tick of whileDown(down)) {
      expect(tick.status).toBe(503);
      expect(JSON.parse(tick.body)).toMatchObject({ error: 'database_unavailable', status: 503 });
    }
    expect(
      outcome.ticks.filter((t) => t.startedAt > outcome.healthyAt).map((t) => t.status),
    ).toContain(200);
  });

  it('every series is whole afterwards: no hole, no duplicate, no fork, nothing rejected', async () => {
    const rows = await sql<SeriesRow[]>`
      select symbol, trade_id, ts, price::text from trades order by symbol, ts, seq`;
    for (const symbol of outcome.symbols) {
      const series = rows.filter((row) => row.symbol === symbol);
      // The series spans the outage.
      expect(series[0]?.ts.getTime()).toBeLessThan(outcome.downAt);
      expect(series.at(-1)?.ts.getTime()).toBeGreaterThan(outcome.upAt);
      const problems: string[] = [];
      series.forEach((row, i) => {
        if (row.trade_id !== `${symbol}-${row.ts.getTime()}`)
          problems.push(`odd id ${row.trade_id}`);
        const previous = series[i - 1];
        if (previous === undefined) return;
        const gap = row.ts.getTime() - previous.ts.getTime();
        if (gap !== INTERVAL_MS)
          problems.push(`${gap} ms from ${previous.trade_id} to ${row.trade_id}`);
        // Each price is the seeded step from the one before: a fork would break the chain.
        const expected = applyStep(previous.price, stepFor(SEED, symbol, row.ts.getTime()).step);
        if (Number(row.price) !== Number(expected))
          problems.push(`${row.trade_id}: price ${row.price}, expected ${expected}`);
      });
      expect({ symbol, problems }).toEqual({ symbol, problems: [] });
    }
    const [counts] = await sql<{ rejected: number; duplicates: number }[]>`
      select (select count(*) from rejected_messages)::int as rejected,
             (select count(*) from (select 1 from trades group by symbol, ts having count(*) > 1) d)::int
               as duplicates`;
    expect(counts).toEqual({ rejected: 0, duplicates: 0 });
  });

  // Pub/Sub delivers at least once: a redelivery can arrive while the first delivery is still
  // being written (an ack deadline passed), or long after. Pushed straight to persist, as the
  // emulator cannot be told to repeat a message, in the body it would send.
  it('a batch delivered three times at once, and three times more, is one row per trade', async () => {
    await sql`insert into symbols (symbol, name) values ('DUPE', 'Redelivered')`;
    const trades = generateTrades({
      seed: SEED,
      symbol: 'DUPE',
      last: { price: '100.00', timestampMs: Date.now() - 120_000 },
      untilMs: Date.now(),
      intervalMs: INTERVAL_MS,
      maxTrades: 100,
      maxBackfillMs: 3_600_000,
    });
    const push = JSON.stringify({
      message: {
        data: Buffer.from(JSON.stringify({ v: 1, source: 'synthetic', trades })).toString('base64'),
        attributes: { schema: 'trades.v1' },
        messageId: 'redelivered-1',
        publishTime: new Date().toISOString(),
      },
      subscription: `projects/${emulator.projectId}/subscriptions/${TOPIC}-persist`,
    });
    const deliver = async () =>
      (
        await fetch(`${urls.persist}/projects/${emulator.projectId}/topics/${TOPIC}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: push,
        })
      ).status;
    const atOnce = await Promise.all([deliver(), deliver(), deliver()]);
    const later = [await deliver(), await deliver(), await deliver()];
    expect([...atOnce, ...later]).toEqual([204, 204, 204, 204, 204, 204]);
    const [stored] = await sql<{ rows: number; ids: number; latest: string | null }[]>`
      select count(*)::int as rows, count(distinct trade_id)::int as ids,
             (select trade_id from latest_prices where symbol = 'DUPE') as latest
      from trades where symbol = 'DUPE'`;
    expect(stored).toEqual({ rows: 100, ids: 100, latest: trades.at(-1)?.trade_id });
  });

  // shared/db/client.ts passes `backoff: false`: without it postgres.js waits up to 20 s between
  // reconnects after failed connects, holding every query, during the outage and after it.
  it('fails fast during the outage and reconnects as soon as the database is back', () => {
    const startedWhileDown = (c: Call) =>
      c.startedAt > outcome.downAt && c.startedAt < outcome.restartAt;
    const slow = [...outcome.probes, ...outcome.ticks, ...outcome.pushes.map(asCall)]
      .filter(startedWhileDown)
      .filter((c) => c.endedAt - c.startedAt >= FAST_MS)
      .map((c) => `${c.what}: ${c.endedAt - c.startedAt} ms`);
    expect(slow).toEqual([]);
    // Refused fast, every batch published during the outage was pushed, and refused, before its end.
    const refused = whileDown(outcome.pushes);
    expect(outcome.outageMessages.filter((id) => !refused.some((p) => p.messageId === id))).toEqual(
      [],
    );
    expect(outcome.healthyAt - outcome.upAt).toBeLessThan(FAST_MS);
  });
});

function asCall(push: RecordedPush): Call {
  return { ...push, what: `push ${push.messageId ?? '?'}`, requestId: null, body: '' };
}
