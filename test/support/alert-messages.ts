import type { CloudEvent } from '@google-cloud/functions-framework';
import type { PubSubEventData } from '../../shared/messaging/pubsub-event.js';
import { alertAttributes, type AlertMessage } from '../../shared/alerts/alert-message.js';

let anomalies = 0;
let messages = 0;

/** A unique anomaly id for a test's alert (bigint as text). */
export const nextAnomalyId = () => String(1_000_000 + process.pid * 1_000 + ++anomalies);

/** A valid alert message: a critical BTCUSD price spike unless `overrides` say otherwise. */
export function alertMessage(overrides: Partial<AlertMessage> = {}): AlertMessage {
  return {
    anomalyId: nextAnomalyId(),
    event: 'detected',
    symbol: 'BTCUSD',
    kind: 'price_spike',
    severity: 'critical',
    at: '2026-11-29T11:43:06.000Z',
    observed: '7.20',
    threshold: '5',
    unit: 'percent',
    tradeId: 'BTCUSD-1795952586000',
    bucket: null,
    interval: null,
    summary: 'BTCUSD trade 7.20 % from the previous trade (threshold 5 %)',
    ...overrides,
  };
}

/**
 * The messagePublished CloudEvent the Functions Framework hands deliver-alerts for `payload` (an
 * alert, or any text or bytes a test wants to send as the data). The same `messageId` is a redelivery.
 */
export function alertEvent(
  payload: unknown,
  { messageId = `alert-test-${++messages}` }: { messageId?: string } = {},
): CloudEvent<PubSubEventData> {
  const bytes = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const attributes =
    typeof payload === 'object' && payload !== null && 'anomalyId' in payload
      ? alertAttributes(payload as AlertMessage)
      : {};
  return {
    specversion: '1.0',
    id: messageId,
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: '//pubsub.googleapis.com/projects/local/topics/alerts',
    data: {
      message: { data: bytes.toString('base64'), attributes, messageId },
      subscription: 'projects/local/subscriptions/alerts-deliver-alerts',
    },
  };
}
