/**
 * Alerts end to end on real parts: trades published to the Pub/Sub emulator reach persist (on the
 * Functions Framework), which records anomalies with them and publishes their events to the alerts
 * topic; the monitor function, called like its scheduler job, opens and closes stale feeds and
 * publishes what the outbox still holds. Each event is read back from a subscription of the topic.
 */
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ensureTopicAndPushSubscription,
  persistPushSubscription,
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { alertMessageSchema, type AlertMessage } from '../../shared/alerts/alert-message.js';
import { anomalyRows, eventCounts } from '../support/anomaly-rows.js';
import { skipWithoutEmulator } from '../support/emulator-required.js';
import {
  emulatorClient,
  serveFunctions,
  type ServedFunctions,
} from '../support/functions-under-test.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const TRADES_TOPIC = 'trades-alerts-test';
const ALERTS_TOPIC = 'alerts-test';
const INTERVAL_SECONDS = 1;

interface Received {
  message: AlertMessage;
  attributes: Record<string, string>;
}

describe.skipIf(skipWithoutEmulator)('alerts: persist and monitor publish anomaly events', () => {
  let db: TestDatabase;
  let emulator: PubSubEmulator;
  let pubsub: PubSub;
  let functions: ServedFunctions;
  let subscription: Subscription;
  const received: Received[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    emulator = await startPubSubEmulator();
    pubsub = emulatorClient(emulator);
    functions = await serveFunctions(
      {
        DATABASE_URL: db.url,
        PUBSUB_EMULATOR_HOST: emulator.host,
        GOOGLE_CLOUD_PROJECT: emulator.projectId,
        ALERTS_TOPIC,
        INGESTION_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
        LOG_LEVEL: 'error',
      },
      ['persist', 'monitor'],
    );
    await ensureTopicAndPushSubscription({
      host: emulator.host,
      ...persistPushSubscription(emulator.projectId, TRADES_TOPIC, functions.urls.persist),
    });
    // The topic's provisioning is the delivery side's; here the test makes its own.
    const [topic] = await pubsub.createTopic(ALERTS_TOPIC);
    [subscription] = await topic.createSubscription('alerts-test-reader');
    subscription.on('message', (message: Message) => {
      received.push({
        message: alertMessageSchema.parse(JSON.parse(message.data.toString('utf8'))),
        attributes: message.attributes,
      });
      message.ack();
    });
  });
  afterAll(async () => {
    await subscription.close();
    await functions.close();
    await pubsub.close();
    await emulator.stop();
    await db.drop();
  });
  beforeEach(async () => {
    await db.sql`truncate trades, latest_prices, trade_counts, symbols cascade`;
    received.length = 0;
  });

  let sequence = 0;
  const publishTrades = async (symbol: string, prices: string[], volume = '1000') => {
    const now = Date.now();
    const trades = prices.map((price, i) => ({
      trade_id: `${symbol}-${++sequence}`,
      symbol,
      price,
      volume,
      ts: new Date(now - (prices.length - i) * 10).toISOString(),
    }));
    await pubsub.topic(TRADES_TOPIC).publishMessage({
      json: { v: 1, source: 'test', trades },
      attributes: { schema: 'trades.v1' },
    });
    const last = trades.at(-1)?.trade_id ?? '';
    await waitFor(`trade ${last} stored`, async () => {
      const [row] = await db.sql`select 1 from trades where trade_id = ${last}`;
      return row;
    });
  };
  const callMonitor = async () => {
    const response = await fetch(functions.urls.monitor, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    return (await response.json()) as { stale_opened: number; stale_recovered: number };
  };
  const receivedOf = (kind: string) => received.filter((r) => r.message.kind === kind);

  it('a price spike stored by persist is published to the alerts topic as the contract says', async () => {
    await db.sql`insert into symbols (symbol, name) values ('SPIKE', 'Spike Inc.')`;
    await publishTrades('SPIKE', ['100.00', '100.10', '100.00', '100.10', '100.00', '100.10']);
    await publishTrades('SPIKE', ['109.00']);
    const [alert] = await waitFor('the price_spike alert', () => {
      const found = receivedOf('price_spike');
      return found.length > 0 ? found : undefined;
    });
    expect(alert?.message).toMatchObject({
      event: 'detected',
      symbol: 'SPIKE',
      kind: 'price_spike',
      severity: 'warning',
      threshold: '5',
      unit: 'percent',
      bucket: null,
      interval: null,
    });
    expect(alert?.attributes).toEqual({
      symbol: 'SPIKE',
      kind: 'price_spike',
      severity: 'warning',
      event: 'detected',
    });
    const [row] = await db.sql<{ published: boolean }[]>`
      select published_at is not null as published from anomaly_events`;
    expect(row?.published).toBe(true);
  });

  it('a stopped feed opens stale_feed within 3 intervals, once however often the check fires; resuming closes it', async () => {
    await db.sql`insert into symbols (symbol, name) values ('QUIET', 'Quiet'), ('LIVE', 'Live')`;
    await publishTrades('QUIET', ['50.00']);
    await publishTrades('LIVE', ['60.00']);
    const [{ last_ms: stoppedAtMs } = { last_ms: 0 }] = await db.sql<{ last_ms: number }[]>`
      select extract(epoch from max(ts))::float8 * 1000 as last_ms from trades where symbol = 'QUIET'`;
    expect(await callMonitor()).toEqual({
      stale_opened: 0,
      stale_recovered: 0,
      events_published: 0,
    });

    // The scheduler fires every interval, sometimes twice at once; LIVE keeps trading.
    const openedAtMs = await waitFor(
      'QUIET to go stale',
      async () => {
        await publishTrades('LIVE', ['60.00']);
        await Promise.all([callMonitor(), callMonitor()]);
        const rows = await anomalyRows(db.sql);
        return rows.some((row) => row.symbol === 'QUIET') ? Date.now() : undefined;
      },
      20_000,
      INTERVAL_SECONDS * 1000,
    );
    // Found within 3 intervals of the last trade, plus one check period and the test's own pace.
    expect(openedAtMs - stoppedAtMs).toBeLessThanOrEqual((3 + 1) * INTERVAL_SECONDS * 1000 + 1_500);
    await Promise.all([callMonitor(), callMonitor(), callMonitor()]);
    expect((await anomalyRows(db.sql)).map((row) => [row.symbol, row.kind, row.closed])).toEqual([
      ['QUIET', 'stale_feed', false],
    ]);

    await publishTrades('QUIET', ['50.10']);
    const answers = await Promise.all([callMonitor(), callMonitor()]);
    expect(answers.map((a) => a.stale_recovered).sort()).toEqual([0, 1]);
    expect((await anomalyRows(db.sql)).map((row) => [row.symbol, row.closed])).toEqual([
      ['QUIET', true],
    ]);
    expect(await eventCounts(db.sql)).toEqual({ detected: 1, recovered: 1 });
    const events = await waitFor('both stale_feed events', () => {
      const found = receivedOf('stale_feed');
      return found.length >= 2 ? found : undefined;
    });
    expect(events.map((e) => [e.message.event, e.message.symbol])).toEqual([
      ['detected', 'QUIET'],
      ['recovered', 'QUIET'],
    ]);
    expect(events[0]?.message.anomalyId).toBe(events[1]?.message.anomalyId);
  });

  it('an event left unpublished (a crash after commit) is published by the next check', async () => {
    await db.sql`insert into symbols (symbol, name) values ('LOST', 'Lost')`;
    await publishTrades('LOST', ['10.00', '10.01', '10.00', '10.01', '10.00']);
    await publishTrades('LOST', ['12.00']);
    await waitFor('the spike published', () =>
      receivedOf('price_spike').length > 0 ? true : undefined,
    );
    // As if persist had stopped between its commit and the publish.
    await db.sql`update anomaly_events set published_at = null, at = at - interval '1 minute'`;
    received.length = 0;
    await callMonitor();
    const [again] = await waitFor('the spike published again', () => {
      const found = receivedOf('price_spike');
      return found.length > 0 ? found : undefined;
    });
    expect(again?.message.symbol).toBe('LOST');
    const [row] = await db.sql<{ unpublished: number }[]>`
      select count(*)::int as unpublished from anomaly_events where published_at is null`;
    expect(row?.unpublished).toBe(0);
  });

  it('answers 405 to anything but POST', async () => {
    const response = await fetch(functions.urls.monitor);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});
