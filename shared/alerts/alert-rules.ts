import type { AlertSeverity } from './alert-message.js';
import type { CandleInterval } from '../market/interval-grammar.js';

/** The thresholds of the rules for one symbol: the ALERT_* defaults, then its overrides. */
export interface AlertThresholds {
  /** price_spike: percent away from the previous trade or the trailing 1m VWAP. */
  priceSpikePercent: number;
  /** volume_spike: times the trailing average (a trade's volume, or a closed 1m candle's). */
  volumeSpikeRatio: number;
  rsiHigh: number;
  rsiLow: number;
  ingestLagSeconds: number;
  staleAfterIntervals: number;
}

/** A symbol's overrides (alert_rules): null keeps the default. */
export type AlertOverrides = { [K in keyof AlertThresholds]: number | null };

/** The rules' settings (shared/config/fragments.ts, alertsFragment). */
export interface AlertSettings {
  ALERT_PRICE_SPIKE_PERCENT: number;
  ALERT_VOLUME_SPIKE_RATIO: number;
  ALERT_RSI_HIGH: number;
  ALERT_RSI_LOW: number;
  ALERT_RSI_WINDOW: number;
  ALERT_RSI_INTERVALS: readonly CandleInterval[];
  ALERT_INGEST_LAG_SECONDS: number;
  ALERT_STALE_AFTER_INTERVALS: number;
}

/** The settings the thresholds' defaults come from (alertThresholdsFragment): all the api reads. */
export type AlertThresholdSettings = Pick<
  AlertSettings,
  | 'ALERT_PRICE_SPIKE_PERCENT'
  | 'ALERT_VOLUME_SPIKE_RATIO'
  | 'ALERT_RSI_HIGH'
  | 'ALERT_RSI_LOW'
  | 'ALERT_INGEST_LAG_SECONDS'
  | 'ALERT_STALE_AFTER_INTERVALS'
>;

/** The thresholds every symbol has unless it overrides them. */
export function defaultThresholds(settings: AlertThresholdSettings): AlertThresholds {
  return {
    priceSpikePercent: settings.ALERT_PRICE_SPIKE_PERCENT,
    volumeSpikeRatio: settings.ALERT_VOLUME_SPIKE_RATIO,
    rsiHigh: settings.ALERT_RSI_HIGH,
    rsiLow: settings.ALERT_RSI_LOW,
    ingestLagSeconds: settings.ALERT_INGEST_LAG_SECONDS,
    staleAfterIntervals: settings.ALERT_STALE_AFTER_INTERVALS,
  };
}

/** The defaults with a symbol's overrides applied. */
export function applyOverrides(
  defaults: AlertThresholds,
  overrides: Partial<AlertOverrides> | undefined,
): AlertThresholds {
  if (overrides === undefined) return defaults;
  const merged = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof AlertThresholds)[]) {
    const value = overrides[key];
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged;
}

/**
 * Severity, one rule for every threshold rule: critical at twice the threshold or more (a 10 %
 * jump against a 5 % rule, 6x the volume against 3x, a lag of 60 s against 30 s, a feed silent for
 * 6 intervals against 3), warning below.
 */
export function severityOf(observed: number, threshold: number): AlertSeverity {
  return observed >= 2 * threshold ? 'critical' : 'warning';
}

/**
 * RSI's severity: critical halfway or further from the threshold to the bound (85 or more against
 * 70, 15 or less against 30), warning before.
 */
export function rsiSeverity(rsi: number, high: number, low: number): AlertSeverity {
  if (rsi > high) return rsi >= high + (100 - high) / 2 ? 'critical' : 'warning';
  return rsi <= low / 2 ? 'critical' : 'warning';
}

/** A number as the decimal text the alert message carries (no exponent, at most `digits` decimals). */
export function decimalOf(value: number, digits = 4): string {
  const text = value.toFixed(digits).replace(/\.?0+$/, '');
  return text === '-0' ? '0' : text;
}
