import { INTERVAL_NAMES, type IntervalName } from '../market/candle-intervals.js';
import type { AlertMessage } from './alert-message.js';

/**
 * The dashboard view of an alert: its symbol, at the candle interval of the rule that fired (1m
 * for per-trade rules and intervals the page has no button for), with RSI for an RSI alert. The
 * dashboard keeps its view in the URL fragment (dashboard/src/view-state.ts:
 * `#symbol=AAPL&interval=5m&indicators=rsi:14`), which never reaches the server.
 *
 * @example dashboardLink('https://api.example/dashboard', alert) // 'https://api.example/dashboard#symbol=AAPL&interval=1m'
 */
export function dashboardLink(
  dashboardUrl: string,
  alert: Pick<AlertMessage, 'symbol' | 'kind' | 'interval'>,
): string {
  const params = new URLSearchParams();
  params.set('symbol', alert.symbol);
  params.set('interval', isNamedInterval(alert.interval) ? alert.interval : '1m');
  // The indicator the alert is about, at the dashboard's default window.
  if (alert.kind === 'rsi_extreme') params.set('indicators', 'rsi');
  const base = new URL(dashboardUrl);
  base.hash = '';
  return `${base.toString()}#${params.toString()}`;
}

function isNamedInterval(interval: string | null): interval is IntervalName {
  return interval !== null && (INTERVAL_NAMES as readonly string[]).includes(interval);
}
