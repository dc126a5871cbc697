import type { AlertSeverity, AnomalyKind } from './alert-message.js';

/** An anomaly found, before it is recorded (anomalies.queries.ts). */
export interface AnomalyDraft {
  symbol: string;
  kind: AnomalyKind;
  severity: AlertSeverity;
  /** The trade that tripped a per-trade rule (and for ingest_lag, the batch's first of the symbol). */
  tradeId: string | null;
  /** The candle of a per-candle rule: its interval's name and bucket start. */
  interval: string | null;
  bucketMs: number | null;
  /** stale_feed: the newest trade's time when the feed went quiet (the episode's key). */
  openedAtMs: number | null;
  observed: string;
  threshold: string;
  unit: string;
  summary: string;
}

/** The fields a per-trade or per-candle draft leaves empty. */
export const NO_SUBJECT = {
  tradeId: null,
  interval: null,
  bucketMs: null,
  openedAtMs: null,
} as const;
