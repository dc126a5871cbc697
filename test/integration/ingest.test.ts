/**
 * The ingest function as deployed (Functions Framework, real HTTP) publishing to the real
 * Pub/Sub emulator; what it published is read back through a pull subscription.
 */
import type { Server } from 'node:http';
import { PubSub, type Message } from '@google-cloud/pubsub';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { tradeMessageSchema } from '../../shared/schemas/trade-message.js';
import { skipWithoutEmulator } from '../support/emulator-required.js';
import { close, listen } from '../support/http-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const TOPIC = 'trades-ingest-test';
const INTERVAL_SECONDS = 3;
/** A whole minute two hours ago: in the past on any clock, and on every interval grid. */
const T0 = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;
const at = (seconds: number) => new Date(T0 + seconds * 1_000).toISOString();

describe.skipIf(skipWithoutEmulator)('ingest', () => {
  let db: TestDatabase;
  let emulator: PubSubEmulator;
  let pubsub: PubSub;
  let server: Server;
  let base: string;
  const received: Message[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    emulator = await startPubSubEmulator();
    pubsub = new PubSub({
      projectId: emulator.projectId,
      apiEndpoint: emulator.host,
      emulatorMode: true,
    });
    const [topic] = await pubsub.createTopic(TOPIC);
    const [subscription] = await topic.createSubscription('ingest-test-pull', {
      enableMessageOrdering: true,
    });
    subscription.on('message', (message: Message) => {
      received.push(message);
      message.ack();
    });
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      PUBSUB_EMULATOR_HOST: emulator.host,
      GOOGLE_CLOUD_PROJECT: emulator.projectId,
      PUBSUB_TOPIC: TOPIC,
      INGESTION_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
      PUBLISH_BATCH_SIZE: '7',
      LOG_LEVEL: 'error',
    });
    await import('../../functions/ingest/index.js');
    server = getTestServer('ingest');
    base = await listen(server);
  });
  afterAll(async () => {
    await close(server);
    await pubsub.close();
    await emulator.stop();
    await db.drop();
  });
  beforeEach(() => {
    received.length = 0;
  });

  const post = (body: unknown, init: RequestInit = {}) =>
    fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...init,
    });

  it('creates the default symbols and publishes a first trade for each, on the interval grid', async () => {
    const until = at(1);
    const response = await post({ until });
    expect(response.status).toBe(200);
    const summary = (await response.json()) as {
      trades_published: number;
      symbols: { symbol: string; trades: number }[];
    };
    expect(summary.trades_published).toBe(5);
    expect(summary.symbols.map((s) => s.symbol)).toEqual(['AAPL', 'AMZN', 'GOOGL', 'MSFT', 'TSLA']);
    expect(
      (await db.sql<{ symbol: string }[]>`select symbol from symbols order by symbol`).map(
        (r) => r.symbol,
      ),
    ).toEqual(['AAPL', 'AMZN', 'GOOGL', 'MSFT', 'TSLA']);

    await waitFor('5 messages', () => (received.length >= 5 ? true : undefined));
    for (const message of received) {
      expect(message.attributes).toEqual({ schema: 'trades.v1' });
      const batch = tradeMessageSchema.parse(JSON.parse(message.data.toString()));
      expect(message.orderingKey).toBe(batch.trades[0]?.symbol);
      expect(batch.trades[0]?.ts).toBe(at(0));
    }
  });

  it('publishes the trades due since the last stored one, in batches, one symbol per ordering key', async () => {
    await db.sql`insert into trades (trade_id, symbol, price, volume, ts, source) values ('AAPL-x', 'AAPL', 200, 1000, ${at(0)}, 'test')`;
    await db.sql`insert into latest_prices (symbol, trade_id, seq, price, volume, ts) select symbol, trade_id, seq, price, volume, ts from trades where trade_id = 'AAPL-x'`;
    const response = await post({ symbols: ['aapl'], until: at(60) });
    const summary = (await response.json()) as {
      trades_published: number;
      messages_published: number;
      from: string;
      to: string;
    };
    expect(summary).toMatchObject({
      trades_published: 20,
      messages_published: 3,
      from: at(3),
      to: at(60),
    });

    await waitFor('3 messages', () => (received.length >= 3 ? true : undefined));
    const trades = received.flatMap(
      (m) => tradeMessageSchema.parse(JSON.parse(m.data.toString())).trades,
    );
    expect(trades.map((t) => t.ts)).toEqual(Array.from({ length: 20 }, (_, i) => at(3 + i * 3)));
    expect(Math.abs(Number(trades[0]?.price) / 200 - 1)).toBeLessThanOrEqual(0.02);
    expect(new Set(received.map((m) => m.orderingKey))).toEqual(new Set(['AAPL']));
  });

  it('publishes identical trades when called twice for the same window (a scheduler double fire)', async () => {
    const body = { symbols: ['MSFT'], until: at(30) };
    await Promise.all([post(body), post(body)]);
    await waitFor('2 messages', () => (received.length >= 2 ? true : undefined));
    const [first, second] = received.map((m) => m.data.toString());
    expect(first).toBe(second);
  });

  it.each([
    ['malformed JSON', '{"until": ', 'invalid_body'],
    ['an unknown field', JSON.stringify({ foo: 1 }), 'invalid_body'],
    [
      'a timestamp without timezone',
      JSON.stringify({ until: at(0).replace('.000Z', '') }),
      'invalid_body',
    ],
    ['a future "until"', JSON.stringify({ until: '2999-01-01T00:00:00Z' }), 'invalid_body'],
    ['a malformed symbol', JSON.stringify({ symbols: ['NOT A SYMBOL'] }), 'invalid_body'],
  ])('refuses %s with a 400 envelope and publishes nothing', async (_name, body, code) => {
    const response = await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: code,
      status: 400,
      request_id: expect.any(String) as unknown,
    });
  });

  it('answers 404 for an unknown symbol and 405 for a GET', async () => {
    const unknown = await post({ symbols: ['NOPE'] });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'symbol_not_found' });
    const get = await fetch(base);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({ error: 'method_not_allowed', status: 405 });
  });

  it('accepts an empty body (Cloud Scheduler may send none) as "everything, up to now"', async () => {
    const response = await fetch(base, { method: 'POST' });
    expect(response.status).toBe(200);
  });
});
