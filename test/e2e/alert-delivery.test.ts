/**
 * Alert delivery as deployed: messages published to the Pub/Sub emulator's alerts topic, pushed
 * (through a recorder that notes each push and the function's answer) to deliver-alerts on the
 * Functions Framework, which writes PostgreSQL and posts to a recording webhook. The subscription
 * has a dead-letter policy, which the emulator honours: a webhook that keeps failing is retried
 * by redelivery, then the message moves to the dead-letter topic, and that is the end of it.
 */
import type { Message, PubSub } from '@google-cloud/pubsub';
import getPort from 'get-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunction, type FunctionProcess } from '../../infra/local-stack/function-process.js';
import {
  alertsPushSubscription,
  ensureTopicAndPushSubscription,
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { alertAttributes, type AlertMessage } from '../../shared/alerts/alert-message.js';
import { alertMessage } from '../support/alert-messages.js';
import { skipWithoutEmulator } from '../support/emulator-required.js';
import {
  emulatorClient,
  serveFunctions,
  type ServedFunctions,
} from '../support/functions-under-test.js';
import { startPushRecorder, type PushRecorder } from '../support/push-recorder.js';
import { startRecordingWebhook, type RecordingWebhook } from '../support/recording-webhook.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const TOPIC = 'alerts-e2e';
const MAX_ATTEMPTS = 5;
/** The webhook is down for this symbol's alerts only. */
const FAILING = 'FAILUSD';
/** And for these alerts (anomaly ids) while a test keeps them here. */
const failingIds = new Set<string>();

describe.skipIf(skipWithoutEmulator)(
  'alert delivery: Pub/Sub emulator → deliver-alerts → webhook, with dead letters',
  () => {
    let db: TestDatabase;
    let emulator: PubSubEmulator;
    let pubsub: PubSub;
    let webhook: RecordingWebhook;
    let functions: ServedFunctions;
    let recorder: PushRecorder;
    const deadLetters: Message[] = [];

    beforeAll(async () => {
      db = await createTestDatabase();
      emulator = await startPubSubEmulator();
      pubsub = emulatorClient(emulator);
      webhook = await startRecordingWebhook();
      webhook.answer = (body) => {
        const text = JSON.stringify(body);
        return text.includes(FAILING) || [...failingIds].some((id) => text.includes(id))
          ? 500
          : 200;
      };
      functions = await serveFunctions(
        {
          DATABASE_URL: db.url,
          ALERT_WEBHOOK_URL: webhook.url,
          ALERT_DASHBOARD_URL: 'http://127.0.0.1:8080/dashboard',
          LOG_LEVEL: 'error',
        },
        ['deliver-alerts'],
      );
      recorder = await startPushRecorder(functions.urls['deliver-alerts']);
      const wiring = alertsPushSubscription(emulator.projectId, TOPIC, recorder.url, {
        maxDeliveryAttempts: MAX_ATTEMPTS,
      });
      await ensureTopicAndPushSubscription({ host: emulator.host, ...wiring });
      pubsub.subscription(wiring.deadLetter.subscription).on('message', (message: Message) => {
        deadLetters.push(message);
        message.ack();
      });
    });
    afterAll(async () => {
      await recorder.stop();
      await functions.close();
      await webhook.stop();
      await pubsub.close();
      await emulator.stop();
      await db.drop();
    });

    const publish = (alert: AlertMessage | string) =>
      pubsub.topic(TOPIC).publishMessage({
        data: Buffer.from(typeof alert === 'string' ? alert : JSON.stringify(alert)),
        ...(typeof alert === 'string' ? {} : { attributes: alertAttributes(alert) }),
      });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 2_500));

    it('delivers a published alert to the webhook once, and the push is acknowledged', async () => {
      const alert = alertMessage({ symbol: 'ETHUSD' });
      const messageId = await publish(alert);
      const call = await waitFor('the webhook to receive the alert', () =>
        webhook.calls.find((c) => JSON.stringify(c.body).includes(alert.anomalyId)),
      );
      expect(call.body).toMatchObject({
        text: expect.stringContaining('[CRITICAL] ETHUSD price_spike') as unknown,
      });
      await settle();
      expect(recorder.of(messageId).map((push) => push.status)).toEqual([204]);
      expect(webhook.calls.filter((c) => c === call)).toHaveLength(1);
    });

    it('retries a failing webhook by redelivery, then dead-letters the message: no loop, no loss', async () => {
      const alert = alertMessage({ symbol: FAILING });
      const messageId = await publish(alert);
      const dead = await waitFor(
        'the message on the dead-letter topic',
        () => deadLetters.find((m) => m.data.toString() === JSON.stringify(alert)),
        60_000,
      );
      expect(dead.attributes).toMatchObject({
        ...alertAttributes(alert),
        CloudPubSubDeadLetterSourceDeliveryCount: String(MAX_ATTEMPTS),
        CloudPubSubDeadLetterSourceSubscription: `${TOPIC}-deliver-alerts`,
      });
      // Every attempt reached the function, which failed it (so Pub/Sub redelivered), and the webhook.
      expect(recorder.of(messageId).map((push) => push.status)).toEqual(
        Array<number>(MAX_ATTEMPTS).fill(500),
      );
      const posts = () =>
        webhook.calls.filter((c) => JSON.stringify(c.body).includes(alert.anomalyId));
      expect(posts()).toHaveLength(MAX_ATTEMPTS);
      const [delivery] = await db.sql`
        select attempts, sent_at, last_error from alert_deliveries
        where anomaly_id = ${alert.anomalyId} and channel = 'webhook'`;
      expect(delivery).toEqual({
        attempts: MAX_ATTEMPTS,
        sent_at: null,
        last_error: 'webhook: answered HTTP 500: internal_error',
      });
      // Dead-lettered means done: nothing pushes it again.
      await settle();
      expect(recorder.of(messageId)).toHaveLength(MAX_ATTEMPTS);
      expect(posts()).toHaveLength(MAX_ATTEMPTS);
    });

    it('a burst is not silenced by an alert that keeps failing: the next is sent, and the first, redelivered once its webhook works, is acknowledged unsent', async () => {
      const [first, second] = [
        alertMessage({ symbol: 'FLAKYUSD' }),
        alertMessage({ symbol: 'FLAKYUSD' }),
      ];
      const postsOf = (alert: AlertMessage) =>
        webhook.calls.filter((c) => JSON.stringify(c.body).includes(alert.anomalyId));
      failingIds.add(first.anomalyId);
      const firstId = await publish(first);
      await waitFor('the first alert to fail', () =>
        recorder.of(firstId).some((push) => push.status === 500) ? true : undefined,
      );
      // Its claim of the FLAKYUSD price_spike cooldown went back when it failed.
      const secondId = await publish(second);
      await waitFor('the second alert at the webhook', () =>
        postsOf(second).find((c) => c.status === 200),
      );
      failingIds.delete(first.anomalyId);
      await waitFor(
        'the first alert acknowledged',
        () => (recorder.of(firstId).at(-1)?.status === 204 ? true : undefined),
        60_000,
      );
      // Every post of it failed; the push that was acknowledged made none.
      expect(postsOf(first).length).toBeGreaterThanOrEqual(1);
      expect(postsOf(first).filter((c) => c.status !== 500)).toEqual([]);
      await settle();
      expect(recorder.of(secondId).map((push) => push.status)).toEqual([204]);
      expect(postsOf(second)).toHaveLength(1);
      expect(deadLetters.filter((m) => m.data.toString() === JSON.stringify(first))).toEqual([]);
      const decisions = await db.sql`
        select anomaly_id::text as id, outcome, held_by::text as held_by from alert_decisions
        where symbol = 'FLAKYUSD' order by anomaly_id`;
      expect(decisions).toEqual([
        { id: first.anomalyId, outcome: 'suppressed', held_by: second.anomalyId },
        { id: second.anomalyId, outcome: 'deliver', held_by: null },
      ]);
    }, 90_000);

    it('two deliver-alerts processes, each with a subscription of its own (every message reaches both): a burst is sent once', async () => {
      // Two instances as Cloud Functions runs them: separate processes, pools and memory, one database.
      const processes: FunctionProcess[] = [];
      const lines: string[] = [];
      try {
        for (const name of ['a', 'b']) {
          const fn = await startFunction({
            name: 'deliver-alerts',
            port: await getPort(),
            env: {
              ...process.env,
              DATABASE_URL: db.url,
              ALERT_WEBHOOK_URL: webhook.url,
              LOG_LEVEL: 'info',
              FUNCTION_TARGET: 'deliver-alerts',
            },
            onLine: (line) => lines.push(`[${name}] ${line}`),
          });
          processes.push(fn);
          await ensureTopicAndPushSubscription({
            host: emulator.host,
            projectId: emulator.projectId,
            topic: 'alerts-burst',
            subscription: `alerts-burst-${name}`,
            pushEndpoint: `${fn.url}/projects/${emulator.projectId}/topics/alerts-burst`,
          });
        }
        const burst = Array.from({ length: 8 }, () =>
          alertMessage({ symbol: 'BURSTUSD', kind: 'volume_spike', severity: 'warning' }),
        );
        await Promise.all(
          burst.map((alert) =>
            pubsub.topic('alerts-burst').publishMessage({
              json: alert,
              attributes: alertAttributes(alert),
            }),
          ),
        );
        const posts = () =>
          webhook.calls.filter((c) => JSON.stringify(c.body).includes('BURSTUSD'));
        await waitFor('a decision for every alert of the burst', async () => {
          const [row] = await db.sql<{ n: number }[]>`
            select count(*)::int as n from alert_decisions where symbol = 'BURSTUSD'`;
          return row?.n === burst.length ? true : undefined;
        });
        // Both processes handled every message; a process that found the channel leased by the
        // other failed the push, and its redelivery then found the alert sent.
        await waitFor(
          'each process to have handled the burst',
          () => {
            const handled = (name: string) =>
              lines.filter(
                (l) =>
                  l.startsWith(`[${name}]`) &&
                  l.includes('BURSTUSD') &&
                  /alert (delivered|suppressed)|already sent/.test(l),
              ).length;
            return handled('a') >= burst.length && handled('b') >= burst.length ? true : undefined;
          },
          30_000,
        );
        await settle();
        expect(posts()).toHaveLength(1);
        const outcomes = await db.sql<{ outcome: string; n: number }[]>`
          select outcome, count(*)::int as n from alert_decisions where symbol = 'BURSTUSD'
          group by outcome order by outcome`;
        expect(outcomes).toEqual([
          { outcome: 'deliver', n: 1 },
          { outcome: 'suppressed', n: burst.length - 1 },
        ]);
        const [sent] = await db.sql<{ n: number }[]>`
          select count(*)::int as n from alert_deliveries d join alert_decisions a using (anomaly_id, event)
          where a.symbol = 'BURSTUSD' and d.sent_at is not null`;
        expect(sent?.n).toBe(1);
      } finally {
        for (const fn of processes) await fn.stop();
      }
    }, 90_000);

    it('records a malformed message as a rejection and acknowledges it at once', async () => {
      const payload = '{"anomalyId":"1","event":"detected"}';
      const messageId = await publish(payload);
      const rejected = await waitFor('the rejection to be recorded', async () => {
        const [row] = await db.sql`
          select reason from rejected_messages where message_id = ${`alerts:${messageId}`}`;
        return row;
      });
      expect(rejected).toEqual({ reason: 'invalid_alert' });
      await settle();
      expect(recorder.of(messageId).map((push) => push.status)).toEqual([204]);
      expect(deadLetters.filter((m) => m.data.toString() === payload)).toEqual([]);
    });
  },
);
