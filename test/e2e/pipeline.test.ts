/**
 * The whole pipeline through the Functions Framework with real parts: ingest publishes to the
 * Pub/Sub emulator, whose push subscription delivers to persist, which writes PostgreSQL, which
 * the api serves.
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
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const TOPIC = 'trades-e2e';
const SYMBOLS = ['AAPL', 'AMZN', 'GOOGL', 'MSFT', 'TSLA'];
const T0 = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;
const at = (seconds: number) => new Date(T0 + seconds * 1_000).toISOString();

describe.skipIf(skipWithoutEmulator)(
  'pipeline: scheduler → ingest → Pub/Sub → persist → PostgreSQL → api',
  () => {
    let db: TestDatabase;
    let emulator: PubSubEmulator;
    let pubsub: PubSub;
    let functions: ServedFunctions;
    let urls: ServedFunctions['urls'];

    beforeAll(async () => {
      db = await createTestDatabase();
      emulator = await startPubSubEmulator();
      pubsub = emulatorClient(emulator);
      functions = await serveFunctions(
        {
          DATABASE_URL: db.url,
          PUBSUB_EMULATOR_HOST: emulator.host,
          GOOGLE_CLOUD_PROJECT: emulator.projectId,
          PUBSUB_TOPIC: TOPIC,
          INGESTION_INTERVAL_SECONDS: '3',
          LOG_LEVEL: 'error',
        },
        ['api', 'ingest', 'persist'],
      );
      urls = functions.urls;
      await ensureTopicAndPushSubscription({
        host: emulator.host,
        ...persistPushSubscription(emulator.projectId, TOPIC, urls.persist),
      });
    });
    afterAll(async () => {
      await functions.close();
      await pubsub.close();
      await emulator.stop();
      await db.drop();
    });

    const ingest = async (body: unknown) => {
      const response = await fetch(urls.ingest, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { trades_published: number };
    };
    const latest = async (symbol: string) => {
      const response = await fetch(`${urls.api}/price/latest?symbol=${symbol}`);
      return response.status === 200
        ? ((await response.json()) as { timestamp: string; price: number })
        : undefined;
    };
    const tradeCount = async () =>
      (await db.sql<{ n: number }[]>`select count(*)::int as n from trades`)[0]?.n ?? 0;
    const allAt = (timestamp: string) =>
      waitFor(`every symbol's latest price at ${timestamp}`, async () => {
        const prices = await Promise.all(SYMBOLS.map(latest));
        return prices.every((price) => price?.timestamp === timestamp) ? prices : undefined;
      });

    it('delivers every published trade to the api, exactly once', async () => {
      const first = await ingest({ until: at(0) });
      expect(first.trades_published).toBe(5);
      await allAt(at(0));

      const second = await ingest({ until: at(60) });
      expect(second.trades_published).toBe(5 * 20);
      await allAt(at(60));
      expect(await tradeCount()).toBe(first.trades_published + second.trades_published);

      const symbols = (await (await fetch(`${urls.api}/symbols`)).json()) as { count: number };
      expect(symbols.count).toBe(5);
    });

    it('does not double anything when the same window is triggered again, even twice at once', async () => {
      const before = await tradeCount();
      const again = await ingest({ until: at(60) });
      expect(again.trades_published).toBe(0);

      // A scheduler double fire: each call publishes the 5 x 10 trades after what it finds stored.
      // Usually both find the same and publish all 50 each; on a busy machine the second may
      // start after some of the first's are stored and publish fewer. Either way 50 are stored.
      const [a, b] = await Promise.all([ingest({ until: at(90) }), ingest({ until: at(90) })]);
      expect(a.trades_published + b.trades_published).toBeGreaterThanOrEqual(50);
      expect(a.trades_published + b.trades_published).toBeLessThanOrEqual(100);
      await allAt(at(90));
      await waitFor('the 50 new trades stored', async () =>
        (await tradeCount()) >= before + 50 ? true : undefined,
      );
      // Redeliveries settle within the emulator's ack window; give any stragglers time to land.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await tradeCount()).toBe(before + 50);
      const [dupes] =
        await db.sql`select count(*)::int as n from (select symbol, ts from trades group by 1, 2 having count(*) > 1) d`;
      expect(dupes?.n).toBe(0);
    });

    it('records a poison message and changes nothing else', async () => {
      const trades = await tradeCount();
      const latestBefore = await db.sql`select * from latest_prices order by symbol`;
      const messageId = await pubsub.topic(TOPIC).publishMessage({
        data: Buffer.from('{"v":1,"source":"evil","trades":[{"trade_id":"X"}]}'),
        attributes: { schema: 'trades.v1' },
      });

      const rejected = await waitFor('the poison message to be recorded', async () => {
        const [row] =
          await db.sql`select reason, convert_from(payload, 'UTF8') as payload from rejected_messages where message_id = ${messageId}`;
        return row;
      });
      expect(rejected).toEqual({
        reason: 'invalid_message',
        payload: '{"v":1,"source":"evil","trades":[{"trade_id":"X"}]}',
      });
      expect(await tradeCount()).toBe(trades);
      expect(await db.sql`select * from latest_prices order by symbol`).toEqual(latestBefore);
      // Acknowledged, not retried: it stays one row.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const [count] = await db.sql`select count(*)::int as n from rejected_messages`;
      expect(count?.n).toBe(1);
    });
  },
);
