/**
 * The poison corpus through the real parts: each kind is published to the Pub/Sub emulator, whose
 * push subscription delivers it to persist on the Functions Framework. Each must be acknowledged
 * (delivered once, never again), stored whole in rejected_messages with its reason, and write
 * nothing. A pass-through recorder between the emulator and persist counts the deliveries.
 */
import type { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTopicAndPushSubscription,
  persistPushSubscription,
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { skipWithoutEmulator } from '../support/emulator-required.js';
import {
  emulatorClient,
  serveFunctions,
  type ServedFunctions,
} from '../support/functions-under-test.js';
import { poisonMessages, poisonPushes, validTrade } from '../support/poison-corpus.js';
import { startPushRecorder, type PushRecorder } from '../support/push-recorder.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const TOPIC = 'trades-poison';
/** The emulator redelivers a refused push about a second later: wait well past that. */
const REDELIVERY_WINDOW_MS = 3_000;

interface RejectedRow {
  message_id: string;
  reason: string;
  payload: Buffer;
  attributes: Record<string, string> | null;
  details: { message: string } | null;
}

describe.skipIf(skipWithoutEmulator)('poison messages: Pub/Sub emulator → persist', () => {
  let db: TestDatabase;
  let emulator: PubSubEmulator;
  let pubsub: PubSub;
  let functions: ServedFunctions;
  let persistUrl: string;
  let recorder: PushRecorder;
  const pushPath = `/projects/local/topics/${TOPIC}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple Inc.')`;
    emulator = await startPubSubEmulator();
    pubsub = emulatorClient(emulator);
    functions = await serveFunctions(
      {
        DATABASE_URL: db.url,
        PUBSUB_EMULATOR_HOST: emulator.host,
        GOOGLE_CLOUD_PROJECT: emulator.projectId,
        PUBSUB_TOPIC: TOPIC,
        LOG_LEVEL: 'error',
      },
      ['persist'],
    );
    persistUrl = functions.urls.persist;
    recorder = await startPushRecorder(persistUrl);
    await ensureTopicAndPushSubscription({
      host: emulator.host,
      ...persistPushSubscription(emulator.projectId, TOPIC, recorder.url),
    });
  });
  afterAll(async () => {
    await recorder.stop();
    await functions.close();
    await pubsub.close();
    await emulator.stop();
    await db.drop();
  });

  const publish = (data: Buffer, attributes: Record<string, string>) =>
    pubsub.topic(TOPIC).publishMessage({ data, attributes });
  const rejectedRow = async (messageId: string) =>
    (
      await db.sql<RejectedRow[]>`
        select message_id, reason, payload, attributes, details from rejected_messages
        where message_id = ${messageId}`
    )[0];
  const tradeCount = async () =>
    (await db.sql<{ n: number }[]>`select count(*)::int as n from trades`)[0]?.n ?? 0;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('acknowledges each kind once, records it whole with its reason, and writes nothing', async () => {
    const corpus = poisonMessages(Date.now());
    expect(corpus.length).toBeGreaterThanOrEqual(20);
    const ids = await Promise.all(corpus.map((kind) => publish(kind.payload, kind.attributes)));

    const rows = await waitFor(
      'every poison message to be recorded',
      async () => {
        const found = await Promise.all(ids.map(rejectedRow));
        return found.every((row): row is RejectedRow => row !== undefined) ? found : undefined;
      },
      30_000,
      200,
    );
    await sleep(REDELIVERY_WINDOW_MS);

    const outcomes = corpus.map((kind, i) => {
      const id = ids[i] ?? '';
      const row = rows[i];
      return {
        kind: kind.name,
        reason: row?.reason,
        wholePayload: row?.payload.equals(kind.payload),
        attributes: row?.attributes,
        // Acknowledged: exactly one push, answered with a 2xx.
        pushes: recorder.of(id).map((push) => push.status),
      };
    });
    expect(outcomes).toEqual(
      corpus.map((kind) => ({
        kind: kind.name,
        reason: kind.reason,
        wholePayload: true,
        attributes: kind.attributes,
        pushes: [204],
      })),
    );
    // Each row says why, in words an operator can act on.
    for (const row of rows) expect(row.details?.message).toMatch(/\w{3,}/);
    expect(await tradeCount()).toBe(0);
    expect(await db.sql`select * from latest_prices`).toHaveLength(0);
    const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from rejected_messages`;
    expect(count?.n).toBe(corpus.length);
  });

  it('rejects a batch naming a symbol the platform does not know, whole', async () => {
    const now = Date.now();
    const payload = Buffer.from(
      JSON.stringify({
        v: 1,
        source: 'synthetic',
        trades: [
          validTrade(now, 'AAPL-unknown-mix'),
          { ...validTrade(now, 'NOPE-1'), symbol: 'NOPE' },
        ],
      }),
    );
    const id = await publish(payload, { schema: 'trades.v1' });
    const row = await waitFor('the unknown symbol to be recorded', () => rejectedRow(id));
    await sleep(REDELIVERY_WINDOW_MS);
    expect(row.reason).toBe('unknown_symbol');
    expect(row.payload.equals(payload)).toBe(true);
    expect(recorder.of(id).map((push) => push.status)).toEqual([204]);
    expect(await tradeCount()).toBe(0);
  });

  // Pub/Sub allows a message with attributes only; the Functions Framework then hands persist the
  // raw push body instead of a CloudEvent (no data, no id). It used to fail the insert of its
  // rejection (message_id NOT NULL) and come back every second, for ever.
  let attributesOnlyId = '';
  const attributesOnly = { schema: 'trades.v1', origin: 'attributes-only' };

  it('acknowledges and records a message that has attributes but no data', async () => {
    attributesOnlyId = await publish(Buffer.alloc(0), attributesOnly);
    await waitFor('the data-less message to be pushed', () => recorder.of(attributesOnlyId)[0]);
    await sleep(REDELIVERY_WINDOW_MS);
    expect(recorder.of(attributesOnlyId).map((push) => push.status)).toEqual([204]);
    const [recorded] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from rejected_messages where reason = 'not_a_pubsub_message'`;
    expect(recorded?.n).toBe(1);
    expect(await tradeCount()).toBe(0);
  });

  // persist.handler.ts reads the raw push (pubsubDataOf/messageIdOf): the row carries the message's
  // id and attributes, not a content hash.
  it('records the data-less message under its own id, with its attributes', async () => {
    const row = await rejectedRow(attributesOnlyId);
    expect(row?.reason).toBe('not_a_pubsub_message');
    expect(row?.attributes).toEqual(attributesOnly);
  });

  it.each(poisonPushes.map((kind) => [kind.name, kind] as const))(
    'acknowledges a forged push: %s',
    async (_name, { data, reason }) => {
      // Pub/Sub never sends these, so they go straight to persist, still through the Functions Framework.
      const response = await fetch(`${persistUrl}${pushPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...data, subscription: `projects/local/subscriptions/${TOPIC}` }),
      });
      expect(response.status).toBe(204);
      // A push with data becomes a CloudEvent carrying its message id, the row's key. One without
      // is recorded under a content hash until persist.handler.ts reads the raw push.
      const message = data?.message;
      if (message?.data !== undefined)
        expect((await rejectedRow(message.messageId ?? ''))?.reason).toBe(reason);
      const [recorded] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from rejected_messages where reason = ${reason}`;
      expect(recorded?.n).toBeGreaterThan(0);
      expect(await tradeCount()).toBe(0);
    },
  );

  it('stores a valid batch with a historical timestamp (a replayed tape)', async () => {
    const trade = { ...validTrade(Date.now(), 'AAPL-1999'), ts: '1999-01-04T14:30:00.000Z' };
    const id = await publish(
      Buffer.from(JSON.stringify({ v: 1, source: 'replay', trades: [trade] })),
      {
        schema: 'trades.v1',
      },
    );
    const stored = await waitFor('the historical trade to be stored', async () => {
      const [row] = await db.sql<{ trade_id: string; ts: Date; price: string }[]>`
        select trade_id, ts, price::text from trades where message_id = ${id}`;
      return row;
    });
    expect(stored).toEqual({
      trade_id: 'AAPL-1999',
      ts: new Date('1999-01-04T14:30:00.000Z'),
      price: '187.23000000',
    });
    expect(await rejectedRow(id)).toBeUndefined();
    await sleep(REDELIVERY_WINDOW_MS);
    expect(recorder.of(id).map((push) => push.status)).toEqual([204]);
  });
});
