import type { AlertMessage } from './alert-message.js';

/**
 * The words every channel shows for an alert, written once so that the webhook, the e-mail and
 * the log say the same thing.
 */

/** `CRITICAL`, `WARNING`, or `RECOVERED` for a closing event whatever its severity. */
export function alertLabel(alert: Pick<AlertMessage, 'event' | 'severity'>): string {
  return alert.event === 'recovered' ? 'RECOVERED' : alert.severity.toUpperCase();
}

/** `7.20 percent`: a value in the rule's unit. */
export function withUnit(value: string, unit: string): string {
  return `${value} ${unit}`;
}

/** One line: `[CRITICAL] BTCUSD price_spike: 7.20 percent (threshold 5 percent)`. */
export function alertHeadline(alert: AlertMessage): string {
  const recovered = alert.event === 'recovered' ? ' recovered' : '';
  return `[${alertLabel(alert)}] ${alert.symbol} ${alert.kind}${recovered}: ${withUnit(alert.observed, alert.unit)} (threshold ${withUnit(alert.threshold, alert.unit)})`;
}

/** `2026-11-29 11:43:06 UTC`: the alert's time as a reader scans it. */
export function alertTime(at: string): string {
  return new Date(at)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
}

/** The alert's facts as label/value pairs, in the order every channel lists them. */
export function alertFacts(alert: AlertMessage): [label: string, value: string][] {
  const facts: [string, string][] = [
    ['Symbol', alert.symbol],
    ['Kind', alert.kind],
    ['Severity', alert.severity],
    ['Event', alert.event],
    ['Observed', withUnit(alert.observed, alert.unit)],
    ['Threshold', withUnit(alert.threshold, alert.unit)],
    ['Time', alertTime(alert.at)],
  ];
  if (alert.tradeId !== null) facts.push(['Trade', alert.tradeId]);
  if (alert.bucket !== null)
    facts.push([
      'Candle',
      `${alertTime(alert.bucket)}${alert.interval === null ? '' : ` (${alert.interval})`}`,
    ]);
  facts.push(['Anomaly', alert.anomalyId]);
  return facts;
}
