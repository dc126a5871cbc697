/**
 * GET /stream at the end of the real pipeline: trades published to the Pub/Sub emulator, pushed
 * to persist, stored in PostgreSQL, streamed by the api running as deployed (its own Functions
 * Framework process): trades, prices and candles arrive, a late trade revises a closed candle to
 * what /candles then answers, and the typed client resumes across the api process killed and
 * started again with nothing lost.
 */
import type { PubSub } from '@google-cloud/pubsub';
import getPort from 'get-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunction, type FunctionProcess } from '../../infra/local-stack/function-process.js';
import {
  ensureTopicAndPushSubscription,
  persistPushSubscription,
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { createMarketDataClient } from '../../client/src/index.js';
import { bucketStart } from '../../shared/market/candle-intervals.js';
import { SCHEMA_ATTRIBUTE, TRADES_V1 } from '../../shared/schemas/trade-message.js';
import { skipWithoutEmulator } from '../support/emulator-required.js';
import {
  emulatorClient,
  serveFunctions,
  type ServedFunctions,
} from '../support/functions-under-test.js';
import { readSse, tradesOf, type SseStream } from '../support/sse-stream.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const TOPIC = 'trades-stream-e2e';
const MINUTE = 60_000;

describe.skipIf(skipWithoutEmulator)('GET /stream at the end of the pipeline', () => {
  let db: TestDatabase;
  let emulator: PubSubEmulator;
  let pubsub: PubSub;
  let persist: ServedFunctions;
  let api: FunctionProcess;
  let apiEnv: NodeJS.ProcessEnv;
  const streams: SseStream[] = [];
  let counter = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.sql`insert into symbols (symbol, name) values ('PIPE', 'Pipe'), ('KILL', 'Kill')`;
    emulator = await startPubSubEmulator();
    pubsub = emulatorClient(emulator);
    const env = {
      DATABASE_URL: db.url,
      PUBSUB_EMULATOR_HOST: emulator.host,
      GOOGLE_CLOUD_PROJECT: emulator.projectId,
      PUBSUB_TOPIC: TOPIC,
      LOG_LEVEL: 'error',
    };
    persist = await serveFunctions(env, ['persist']);
    await ensureTopicAndPushSubscription({
      host: emulator.host,
      ...persistPushSubscription(emulator.projectId, TOPIC, persist.urls.persist),
    });
    apiEnv = { ...process.env, ...env, STREAM_MAX_SECONDS: '3600' };
    api = await startFunction({
      name: 'api',
      port: await getPort(),
      env: apiEnv,
      onLine: () => undefined,
    });
  });
  afterAll(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    await api.stop();
    await persist.close();
    await pubsub.close();
    await emulator.stop();
    await db.drop();
  });

  const trade = (symbol: string, price: string, tsMs = Date.now()) => ({
    trade_id: `${symbol}-e2e-${++counter}`,
    symbol,
    price,
    volume: '2',
    ts: new Date(tsMs).toISOString(),
  });

  async function publish(trades: ReturnType<typeof trade>[]) {
    await pubsub.topic(TOPIC).publishMessage({
      data: Buffer.from(JSON.stringify({ v: 1, source: 'e2e', trades })),
      attributes: { [SCHEMA_ATTRIBUTE]: TRADES_V1 },
    });
  }

  async function open(path: string) {
    const stream = readSse(await fetch(`${api.url}${path}`));
    streams.push(stream);
    expect(stream.status).toBe(200);
    await stream.live();
    return stream;
  }

  it('streams trades, prices and candles published to Pub/Sub; a late trade revises a closed candle', async () => {
    const stream = await open('/stream?symbols=PIPE&events=trades,prices,candles&interval=1m');
    const sent = [trade('PIPE', '50'), trade('PIPE', '51.5')];
    await publish(sent);
    await stream.until((events) => tradesOf(events).length === 2);
    expect(tradesOf(stream.events).map((t) => t.trade_id)).toEqual(sent.map((t) => t.trade_id));
    await stream.until((events) =>
      events.some((e) => e.event === 'price' && e.data.includes('"51.5"')),
    );
    await stream.until((events) =>
      events.some((e) => e.event === 'candle' && e.data.includes('"trade_count":2')),
    );

    const closedBucket = bucketStart(Date.now(), MINUTE) - 30 * MINUTE;
    await publish([trade('PIPE', '49', closedBucket + 5_000)]);
    await stream.until((events) =>
      events.some((e) => e.event === 'candle' && e.data.includes('"revised":true')),
    );
    const revised = stream.events
      .filter((e) => e.event === 'candle')
      .map((e) => JSON.parse(e.data) as Record<string, unknown>)
      .find((c) => c.revised === true);
    const start = new Date(closedBucket).toISOString();
    const end = new Date(closedBucket + MINUTE).toISOString();
    const served = (await (
      await fetch(`${api.url}/candles?symbol=PIPE&interval=1m&start=${start}&end=${end}`)
    ).json()) as { candles: object[] };
    expect(revised).toStrictEqual({
      symbol: 'PIPE',
      interval: '1m',
      ...served.candles[0],
      closed: true,
      revised: true,
    });
  });
  it('the typed client resumes across the api process killed and started again, nothing lost', async () => {
    const waitFor = async (predicate: () => boolean | Promise<boolean>, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!(await predicate())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    // Resuming from a stored trade's position, so no trade of KILL can come before the first
    // connection is live (a stream without an id starts from when it opens).
    const seed = trade('PIPE', '1');
    await publish([seed]);
    let start: { xid: string; seq: string } | undefined;
    await waitFor(async () => {
      [start] = await db.sql<{ xid: string; seq: string }[]>`
        select xid::text, seq::text from trades where trade_id = ${seed.trade_id}`;
      return start !== undefined;
    }, 'the seed trade');
    const received: string[] = [];
    const reconnects: string[] = [];
    const client = createMarketDataClient({ baseUrl: api.url });
    const subscription = client.subscribe(
      { symbols: ['KILL'], lastEventId: `${start?.xid}-${start?.seq}` },
      (event) => {
        if (event.type === 'trade') received.push(event.data.trade_id);
      },
      {
        initialDelayMs: 100,
        maxDelayMs: 500,
        onReconnect: (info) => reconnects.push(info.reason),
      },
    );
    const published: string[] = [];
    const publishSome = async (n: number) => {
      const batch = Array.from({ length: n }, (_, i) => trade('KILL', String(100 + i)));
      published.push(...batch.map((t) => t.trade_id));
      await publish(batch);
    };
    try {
      await publishSome(5);
      await waitFor(() => received.length === 5, 'the first trades');

      const port = api.port;
      api.child.kill('SIGKILL');
      await new Promise((resolve) => api.child.once('exit', resolve));
      // Stored while no api runs: the client must fetch them on its return.
      await publishSome(7);
      api = await startFunction({ name: 'api', port, env: apiEnv, onLine: () => undefined });
      await publishSome(4);
      await waitFor(() => received.length >= 16, 'every trade after the restart');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(received).toEqual(published);
      expect(reconnects.length).toBeGreaterThan(0);
    } finally {
      subscription.close();
      await subscription.closed;
    }
  });
});
