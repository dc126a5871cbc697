import { z } from 'zod';

/**
 * The contract between detection (persist, the stale-feed check) and delivery (the alerts
 * function, and any team subscribed to the `alerts` topic): one Pub/Sub message per anomaly
 * event, its data this JSON. Detection may publish the same event more than once (a redelivered
 * batch, a crash before it marked the event published); consumers deduplicate on
 * `(anomalyId, event)`.
 */

export const ANOMALY_KINDS = [
  'price_spike',
  'volume_spike',
  'rsi_extreme',
  'stale_feed',
  'ingest_lag',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export const ALERT_SEVERITIES = ['warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** `detected` for every anomaly; `recovered` when a stateful one (stale_feed) closes. */
export const ALERT_EVENTS = ['detected', 'recovered'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

const decimalText = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal number as text');
const isoInstant = z.iso.datetime({ offset: true });

export const alertMessageSchema = z.object({
  /** anomalies.id, a bigint as text. */
  anomalyId: z.string().regex(/^\d+$/),
  event: z.enum(ALERT_EVENTS),
  symbol: z.string().min(1),
  kind: z.enum(ANOMALY_KINDS),
  severity: z.enum(ALERT_SEVERITIES),
  /** When the anomaly was detected (for `recovered`: when it closed), UTC ISO 8601. */
  at: isoInstant,
  /** The value that crossed the threshold, and the threshold, in the rule's unit (`unit`). */
  observed: decimalText,
  threshold: decimalText,
  /** e.g. `percent`, `ratio`, `rsi`, `seconds`. */
  unit: z.string().min(1),
  /** The trade that tripped a per-trade rule, else null. */
  tradeId: z.string().nullable(),
  /** The candle bucket start of a per-candle rule (UTC ISO 8601) and its interval, else null. */
  bucket: isoInstant.nullable(),
  interval: z.string().nullable(),
  /** One human-readable line, e.g. "BTCUSD trade 7.20 % from the previous trade (threshold 5 %)". */
  summary: z.string().min(1),
});

export type AlertMessage = z.infer<typeof alertMessageSchema>;

/** Pub/Sub attributes published with each alert, so subscriptions can filter without decoding. */
export const alertAttributes = (m: AlertMessage) => ({
  symbol: m.symbol,
  kind: m.kind,
  severity: m.severity,
  event: m.event,
});
