/**
 * The deliver-alerts handler against real parts: PostgreSQL (delivery state, cooldowns), a local
 * recording HTTP server as the Slack webhook, and a real SMTP server (smtp-server, STARTTLS and
 * AUTH). The Pub/Sub side (redelivery, dead letters) is test/e2e/alert-delivery.test.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDeliverAlertsFunction } from '../../functions/deliver-alerts/deliver-alerts-function.js';
import { AlertPendingError } from '../../functions/deliver-alerts/deliver-alerts.handler.js';
import { readViewState } from '../../dashboard/src/view-state.js';
import { decideAlert } from '../../shared/alerts/alert-decisions.queries.js';
import type { AlertMessage } from '../../shared/alerts/alert-message.js';
import { loadDeliverAlertsConfig } from '../../shared/config/function-config.js';
import { createSql, type Sql } from '../../shared/db/client.js';
import { alertEvent, alertMessage } from '../support/alert-messages.js';
import { captureLogger } from '../support/capture-logger.js';
import { startRecordingWebhook, type RecordingWebhook } from '../support/recording-webhook.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const DASHBOARD = 'http://127.0.0.1:8080/dashboard';
const SMTP_USER = 'alerts-bot';
const SMTP_PASSWORD = 'not-a-real-secret';

interface SlackBody {
  text: string;
  blocks: {
    type: string;
    text?: { type: string; text: string };
    fields?: { type: string; text: string }[];
    elements?: { type: string; url: string; text: { text: string } }[];
  }[];
}

describe('deliver-alerts: channels, routing, once, cooldown', () => {
  let db: TestDatabase;
  let webhook: RecordingWebhook;
  let smtp: SmtpSink;
  const pools: Sql[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    webhook = await startRecordingWebhook();
    smtp = await startSmtpSink({ user: SMTP_USER, password: SMTP_PASSWORD });
  });
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end({ timeout: 5 })));
    await webhook.stop();
    await smtp.stop();
    await db.drop();
  });
  beforeEach(() => {
    webhook.calls.length = 0;
    webhook.answer = () => 200;
    smtp.messages.length = 0;
  });

  /** A delivery instance as deployed, with its own pool (a separate instance shares nothing else). */
  const instance = (env: Record<string, string> = {}) => {
    const sql = createSql({ DATABASE_URL: db.url, DB_POOL_MAX: 3, DB_CONNECT_TIMEOUT_SECONDS: 3 });
    pools.push(sql);
    const { logger, lines } = captureLogger();
    const config = loadDeliverAlertsConfig({
      DATABASE_URL: db.url,
      ALERT_WEBHOOK_URL: webhook.url,
      ALERT_DASHBOARD_URL: DASHBOARD,
      ALERT_SMTP_HOST: '127.0.0.1',
      ALERT_SMTP_PORT: String(smtp.port),
      ALERT_SMTP_TLS: 'starttls',
      // smtp-server's own self-signed certificate: TLS, but one that does not verify.
      ALERT_SMTP_TLS_REJECT_UNAUTHORIZED: 'false',
      ALERT_SMTP_USER: SMTP_USER,
      ALERT_SMTP_PASSWORD: SMTP_PASSWORD,
      ALERT_EMAIL_FROM: 'alerts@example.com',
      ALERT_EMAIL_TO: 'ops@example.com, oncall@example.com',
      ...env,
    });
    return { deliver: createDeliverAlertsFunction(config, { sql, logger }), lines };
  };
  const webhookBodies = () => webhook.calls.map((call) => call.body as SlackBody);
  /** Whether a webhook body is `alert`'s: its Anomaly field (the id, then the field's end). */
  const isOf = (alert: AlertMessage, body: unknown) =>
    JSON.stringify(body).includes(`\\n${alert.anomalyId}"`);
  /** The webhook's answers, as [whose alert, status], in order. */
  const posts = (...alerts: AlertMessage[]) =>
    webhook.calls.map((call) => [alerts.findIndex((alert) => isOf(alert, call.body)), call.status]);
  const decisions = (symbol: string) => db.sql<
    { id: string; outcome: string; held_by: string | null }[]
  >`
    select anomaly_id::text as id, outcome, held_by::text as held_by from alert_decisions
    where symbol = ${symbol} order by anomaly_id`;

  it('posts a Slack-shaped message: symbol, kind, observed vs threshold, time, a dashboard link', async () => {
    const { deliver } = instance();
    const alert = alertMessage({ symbol: 'ETHUSD', kind: 'rsi_extreme', severity: 'warning' });
    alert.observed = '81.5';
    alert.threshold = '70';
    alert.unit = 'rsi';
    alert.tradeId = null;
    alert.bucket = '2026-11-29T11:40:00.000Z';
    alert.interval = '5m';
    alert.summary = 'ETHUSD RSI(14) on 5m at 81.5 (threshold 70) & rising <fast>';
    await deliver(alertEvent(alert));

    expect(webhook.calls).toHaveLength(1);
    expect(webhook.calls[0]?.contentType).toBe('application/json');
    const [body] = webhookBodies();
    const link = `${DASHBOARD}#symbol=ETHUSD&interval=5m&indicators=rsi`;
    expect(body?.text).toBe(
      `[WARNING] ETHUSD rsi_extreme: 81.5 rsi (threshold 70 rsi) <${link}|Open in the dashboard>`,
    );
    expect(body?.blocks.map((block) => block.type)).toEqual(['header', 'section', 'actions']);
    expect(body?.blocks[0]?.text).toMatchObject({
      type: 'plain_text',
      text: 'WARNING: ETHUSD rsi_extreme',
    });
    const section = body?.blocks[1];
    // Slack's control characters in text from elsewhere are escaped.
    expect(section?.text?.text).toBe(
      ':warning: ETHUSD RSI(14) on 5m at 81.5 (threshold 70) &amp; rising &lt;fast&gt;',
    );
    expect(section?.fields?.map((field) => field.text)).toEqual([
      '*Symbol*\nETHUSD',
      '*Kind*\nrsi_extreme',
      '*Severity*\nwarning',
      '*Event*\ndetected',
      '*Observed*\n81.5 rsi',
      '*Threshold*\n70 rsi',
      '*Time*\n2026-11-29 11:43:06 UTC',
      '*Candle*\n2026-11-29 11:40:00 UTC (5m)',
      `*Anomaly*\n${alert.anomalyId}`,
    ]);
    const button = body?.blocks[2]?.elements?.[0];
    expect(button?.url).toBe(link);
    // The dashboard reads the view from the fragment as the link writes it.
    expect(readViewState(new URL(link).hash)).toEqual({
      symbol: 'ETHUSD',
      interval: '5m',
      indicators: [{ type: 'rsi', params: { window: 14 } }],
    });
  });

  it('e-mails a critical alert over STARTTLS with credentials: subject, body, recipients', async () => {
    const { deliver } = instance();
    const alert = alertMessage({ symbol: 'AAPL' });
    await deliver(alertEvent(alert));

    expect(smtp.messages).toHaveLength(1);
    const [mail] = smtp.messages;
    expect(mail?.secure).toBe(true);
    expect(mail?.user).toBe(SMTP_USER);
    expect(mail?.recipients).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(mail?.parsed.from?.text).toBe('alerts@example.com');
    expect(mail?.parsed.subject).toBe(
      '[CRITICAL] AAPL price_spike: 7.20 percent (threshold 5 percent)',
    );
    expect(mail?.parsed.text).toBe(
      [
        'BTCUSD trade 7.20 % from the previous trade (threshold 5 %)',
        '',
        'Symbol:    AAPL',
        'Kind:      price_spike',
        'Severity:  critical',
        'Event:     detected',
        'Observed:  7.20 percent',
        'Threshold: 5 percent',
        'Time:      2026-11-29 11:43:06 UTC',
        'Trade:     BTCUSD-1795952586000',
        `Anomaly:   ${alert.anomalyId}`,
        '',
        `Dashboard: ${DASHBOARD}#symbol=AAPL&interval=1m`,
        '',
        '-- ',
        'market-data-platform alerts (deliver-alerts)',
        '',
      ].join('\n'),
    );
    // Critical goes to every channel: the webhook too.
    expect(webhook.calls).toHaveLength(1);
  });

  it('routes by severity: warning to the webhook only, critical everywhere, as configured', async () => {
    const defaults = instance();
    await defaults.deliver(alertEvent(alertMessage({ symbol: 'MSFT', severity: 'warning' })));
    expect([webhook.calls.length, smtp.messages.length]).toEqual([1, 0]);
    await defaults.deliver(alertEvent(alertMessage({ symbol: 'MSFT', kind: 'volume_spike' })));
    expect([webhook.calls.length, smtp.messages.length]).toEqual([2, 1]);

    const reversed = instance({ ALERT_ROUTE_WARNING: 'email', ALERT_ROUTE_CRITICAL: 'webhook' });
    await reversed.deliver(alertEvent(alertMessage({ symbol: 'TSLA', severity: 'warning' })));
    expect([webhook.calls.length, smtp.messages.length]).toEqual([2, 2]);
    await reversed.deliver(alertEvent(alertMessage({ symbol: 'TSLA', kind: 'ingest_lag' })));
    expect([webhook.calls.length, smtp.messages.length]).toEqual([3, 2]);
  });

  it('with no channel configured, logs each alert as a structured WARNING line', async () => {
    const { deliver, lines } = instance({
      ALERT_WEBHOOK_URL: '',
      ALERT_SMTP_HOST: '',
      ALERT_SMTP_USER: '',
      ALERT_SMTP_PASSWORD: '',
    });
    const alert = alertMessage({ symbol: 'AMZN', kind: 'stale_feed', severity: 'warning' });
    await deliver(alertEvent(alert));
    expect([webhook.calls.length, smtp.messages.length]).toEqual([0, 0]);
    const warnings = lines().filter((line) => line.severity === 'WARNING');
    // At start-up, each route naming channels that are not there says where its alerts go instead.
    expect(warnings.map((line) => line.message)).toEqual([
      'warning alerts are routed to webhook, not configured (ALERT_WEBHOOK_URL unset): they go to the log, as WARNING lines',
      'critical alerts are routed to webhook and email, not configured (ALERT_WEBHOOK_URL, ALERT_SMTP_HOST unset): they go to the log, as WARNING lines',
      'ALERT [WARNING] AMZN stale_feed: 7.20 percent (threshold 5 percent)',
    ]);
    expect(warnings[2]).toMatchObject({
      message: 'ALERT [WARNING] AMZN stale_feed: 7.20 percent (threshold 5 percent)',
      alert,
      dashboard: `${DASHBOARD}#symbol=AMZN&interval=1m`,
      anomaly_id: alert.anomalyId,
    });
  });

  it('does not send a redelivered message again to a channel that took it', async () => {
    const { deliver } = instance();
    const event = alertEvent(alertMessage({ symbol: 'GOOGL' }));
    await deliver(event);
    await deliver(event);
    expect([webhook.calls.length, smtp.messages.length]).toEqual([1, 1]);
    // Long after: every lease has run out, and what was sent is still not sent again.
    await db.sql`update alert_deliveries set lease_until = now() - interval '1 hour'`;
    await deliver(event);
    expect([webhook.calls.length, smtp.messages.length]).toEqual([1, 1]);
  });

  it('throws when a channel fails, and the redelivery sends only to the channel that failed', async () => {
    const { deliver } = instance();
    const alert = alertMessage({ symbol: 'NFLX' });
    const event = alertEvent(alert);
    webhook.answer = () => 500;
    await expect(deliver(event)).rejects.toThrow(/webhook: answered HTTP 500/);
    await expect(deliver(event)).rejects.toThrow(/webhook: answered HTTP 500/);
    expect([webhook.calls.length, smtp.messages.length]).toEqual([2, 1]);

    webhook.answer = () => 200;
    await deliver(event);
    expect([webhook.calls.length, smtp.messages.length]).toEqual([3, 1]);
    const rows = await db.sql`
      select channel, attempts, sent_at is not null as sent, last_error from alert_deliveries
      where anomaly_id = ${alert.anomalyId} order by channel`;
    expect(rows).toEqual([
      { channel: 'email', attempts: 1, sent: true, last_error: null },
      { channel: 'webhook', attempts: 3, sent: true, last_error: null },
    ]);
  });

  it('holds the cooldown across two instances: one alert of a burst is sent, the rest suppressed and counted', async () => {
    const a = instance();
    const b = instance();
    const burst = Array.from({ length: 12 }, () => alertMessage({ symbol: 'SOLUSD' }));
    await Promise.all(burst.map((alert, i) => (i % 2 === 0 ? a : b).deliver(alertEvent(alert))));
    expect(webhook.calls).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    const decisions = await db.sql<{ outcome: string; n: number }[]>`
      select outcome, count(*)::int as n from alert_decisions where symbol = 'SOLUSD'
      group by outcome order by outcome`;
    expect(decisions).toEqual([
      { outcome: 'deliver', n: 1 },
      { outcome: 'suppressed', n: 11 },
    ]);
    const [cooldown] = await db.sql`
      select suppressed_since, suppressed_total from alert_cooldowns
      where symbol = 'SOLUSD' and kind = 'price_spike'`;
    expect(cooldown).toEqual({ suppressed_since: 11, suppressed_total: '11' });
    const suppressedLines = [...a.lines(), ...b.lines()].filter((line) =>
      String(line.message).startsWith('alert suppressed by the SOLUSD price_spike cooldown'),
    );
    expect(suppressedLines).toHaveLength(11);

    // Another kind of the same symbol has a cooldown of its own.
    await a.deliver(alertEvent(alertMessage({ symbol: 'SOLUSD', kind: 'volume_spike' })));
    expect(webhook.calls).toHaveLength(2);

    // A redelivered suppressed alert stays suppressed; once the cooldown has passed, the next goes out.
    const late = burst[1];
    if (late === undefined) throw new Error('no burst');
    await db.sql`
      update alert_cooldowns set last_sent_at = now() - interval '301 seconds'
      where symbol = 'SOLUSD' and kind = 'price_spike'`;
    const suppressedOne = await db.sql<{ anomalyId: string }[]>`
      select anomaly_id::text as "anomalyId" from alert_decisions
      where symbol = 'SOLUSD' and outcome = 'suppressed' limit 1`;
    const again = burst.find((alert) => alert.anomalyId === suppressedOne[0]?.anomalyId);
    if (again === undefined) throw new Error('no suppressed alert found');
    await b.deliver(alertEvent(again));
    expect(webhook.calls).toHaveLength(2);
    await b.deliver(alertEvent(alertMessage({ symbol: 'SOLUSD' })));
    expect(webhook.calls).toHaveLength(3);
  });

  it('a burst is not silenced by an alert no channel takes: its claim goes back, the next alert is sent, and the first, redelivered, is then suppressed', async () => {
    const { deliver, lines } = instance({ ALERT_ROUTE_CRITICAL: 'webhook' });
    const [first, second, third] = Array.from({ length: 3 }, () =>
      alertMessage({ symbol: 'ADAUSD' }),
    ) as [AlertMessage, AlertMessage, AlertMessage];
    webhook.answer = (body) => (isOf(first, body) ? 500 : 200);
    const firstEvent = alertEvent(first);
    await expect(deliver(firstEvent)).rejects.toThrow(/webhook: answered HTTP 500/);
    expect(lines().at(-1)).toMatchObject({ severity: 'ERROR', cooldown_released: true });
    // Before, the first alert's claim held the cooldown: this one was suppressed, nobody told.
    await deliver(alertEvent(second));
    expect(posts(first, second)).toEqual([
      [0, 500],
      [1, 200],
    ]);

    // The second was delivered: within the cooldown nothing else of the burst goes out, not even
    // the first once its webhook works again.
    webhook.answer = () => 200;
    await deliver(firstEvent);
    await deliver(alertEvent(third));
    expect(webhook.calls).toHaveLength(2);
    expect(await decisions('ADAUSD')).toEqual([
      { id: first.anomalyId, outcome: 'suppressed', held_by: second.anomalyId },
      { id: second.anomalyId, outcome: 'deliver', held_by: null },
      { id: third.anomalyId, outcome: 'suppressed', held_by: second.anomalyId },
    ]);
    const [cooldown] = await db.sql`
      select anomaly_id::text as held_by, last_sent_at is not null as delivered, suppressed_since
      from alert_cooldowns where symbol = 'ADAUSD'`;
    expect(cooldown).toEqual({ held_by: second.anomalyId, delivered: true, suppressed_since: 2 });
  });

  it('an alert delivered on one channel holds the cooldown though another failed, and its redelivery finishes that one', async () => {
    const { deliver } = instance();
    const [first, second] = [
      alertMessage({ symbol: 'DOTUSD' }),
      alertMessage({ symbol: 'DOTUSD' }),
    ];
    webhook.answer = () => 500;
    await expect(deliver(alertEvent(first))).rejects.toThrow(/webhook: answered HTTP 500/);
    // The e-mail told someone: the next alert of the burst is suppressed.
    await deliver(alertEvent(second));
    expect([webhook.calls.length, smtp.messages.length]).toEqual([1, 1]);

    webhook.answer = () => 200;
    await deliver(alertEvent(first));
    expect(posts(first, second)).toEqual([
      [0, 500],
      [0, 200],
    ]);
    expect(smtp.messages).toHaveLength(1);
    expect(await decisions('DOTUSD')).toEqual([
      { id: first.anomalyId, outcome: 'deliver', held_by: null },
      { id: second.anomalyId, outcome: 'suppressed', held_by: first.anomalyId },
    ]);
  });

  it('while an alert of a burst is being sent, the next waits for the outcome: sent if that one fails, suppressed if it gets through', async () => {
    // Two instances: the one sending and the one waiting share nothing but the database.
    const a = instance({ ALERT_ROUTE_CRITICAL: 'webhook' });
    const b = instance({ ALERT_ROUTE_CRITICAL: 'webhook' });
    for (const [symbol, status, expected] of [
      [
        'LINKUSD',
        500,
        [
          [0, 500],
          [1, 200],
        ],
      ],
      ['ATOMUSD', 200, [[0, 200]]],
    ] as const) {
      webhook.calls.length = 0;
      const [first, second] = [alertMessage({ symbol }), alertMessage({ symbol })];
      let answerFirst: ((status: number) => void) | undefined;
      webhook.answer = (body) =>
        isOf(first, body) ? new Promise((resolve) => (answerFirst = resolve)) : 200;
      const firstDelivery = a.deliver(alertEvent(first));
      const answer = await waitFor('the first alert at the webhook', () => answerFirst);
      const secondDelivery = b.deliver(alertEvent(second));
      await sleep(300);
      // Undecided while the first is in flight: neither sent nor suppressed.
      expect(webhook.calls).toHaveLength(0);
      expect((await decisions(symbol)).map((row) => row.id)).toEqual([first.anomalyId]);

      answer(status);
      if (status === 500) await expect(firstDelivery).rejects.toThrow(/HTTP 500/);
      else await firstDelivery;
      await secondDelivery;
      expect(posts(first, second)).toEqual(expected);
    }
  });

  it('a claim whose holder died mid-send stands for its lease only: the next alert is left to a redelivery, then sent', async () => {
    // A 100 ms channel timeout: an alert waits 2.1 s for another being sent.
    const { deliver } = instance({
      ALERT_ROUTE_CRITICAL: 'webhook',
      ALERT_CHANNEL_TIMEOUT_MS: '100',
    });
    const dead = alertMessage({ symbol: 'AVAXUSD' });
    // An instance decided it, claiming the cooldown, then died before any channel.
    expect(await decideAlert(db.sql, dead, { cooldownSeconds: 300, leaseSeconds: 60 })).toEqual({
      outcome: 'deliver',
    });
    const next = alertMessage({ symbol: 'AVAXUSD' });
    const event = alertEvent(next);
    const started = Date.now();
    const pending = deliver(event);
    await expect(pending).rejects.toThrow(AlertPendingError);
    await expect(pending).rejects.toThrow(
      `the AVAXUSD price_spike cooldown is claimed by anomaly ${dead.anomalyId}, still being sent after 2100 ms`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(webhook.calls).toHaveLength(0);

    // Its lease runs out: the redelivery claims the cooldown and is sent; the dead one's own
    // redelivery then finds the cooldown delivered by another and is suppressed.
    await db.sql`update alert_cooldowns set lease_until = now() - interval '1 second' where symbol = 'AVAXUSD'`;
    await deliver(event);
    await deliver(alertEvent(dead));
    expect(posts(dead, next)).toEqual([[1, 200]]);
    expect(await decisions('AVAXUSD')).toEqual([
      { id: dead.anomalyId, outcome: 'suppressed', held_by: next.anomalyId },
      { id: next.anomalyId, outcome: 'deliver', held_by: null },
    ]);
  });

  it('sends the recovery of a stale feed through the cooldown its detection holds', async () => {
    const { deliver } = instance();
    const detected = alertMessage({ symbol: 'XRPUSD', kind: 'stale_feed', severity: 'critical' });
    await deliver(alertEvent(detected));
    await deliver(alertEvent({ ...detected, event: 'recovered', at: '2026-11-29T11:44:00.000Z' }));
    const texts = webhookBodies().map((body) => body.blocks[0]?.text?.text);
    expect(texts).toEqual(['CRITICAL: XRPUSD stale_feed', 'RECOVERED: XRPUSD stale_feed']);
    expect(smtp.messages.map((mail) => mail.parsed.subject)).toEqual([
      '[CRITICAL] XRPUSD stale_feed: 7.20 percent (threshold 5 percent)',
      '[RECOVERED] XRPUSD stale_feed recovered: 7.20 percent (threshold 5 percent)',
    ]);

    // A second outage within the cooldown: its detection is suppressed, and so is its recovery.
    const second = alertMessage({ symbol: 'XRPUSD', kind: 'stale_feed', severity: 'critical' });
    await deliver(alertEvent(second));
    await deliver(alertEvent({ ...second, event: 'recovered' }));
    expect(webhook.calls).toHaveLength(2);
  });

  it.each([
    ['not JSON', '{"anomalyId": ', 'invalid_json'],
    ['not an alert', { anomalyId: 'x', event: 'exploded' }, 'invalid_alert'],
    ['not UTF-8', Buffer.from([0xff, 0xfe, 0x7b]), 'invalid_utf8'],
  ])(
    'records a message that is %s as a rejection and acknowledges it',
    async (_, payload, reason) => {
      const { deliver } = instance();
      const event = alertEvent(payload);
      await deliver(event);
      await deliver(event);
      const rows = await db.sql`
      select reason from rejected_messages where message_id = ${`alerts:${event.id}`}`;
      expect(rows).toEqual([{ reason }]);
      expect(webhook.calls).toHaveLength(0);
    },
  );
});
