import { INTERVAL_NAMES, type IntervalName } from '../../shared/market/candle-intervals.js';
import { formatIndicators, parseIndicators, type IndicatorChoice } from './indicator-specs.js';

/** What the page shows: kept in the URL's fragment, so a view can be shared and reloaded. */
export interface ViewState {
  symbol: string | undefined;
  interval: IntervalName;
  indicators: IndicatorChoice[];
}

export const DEFAULT_INTERVAL: IntervalName = '1m';

export function isInterval(name: string): name is IntervalName {
  return (INTERVAL_NAMES as readonly string[]).includes(name);
}

/**
 * The view in a URL fragment (`#symbol=AAPL&interval=5m&indicators=sma:20,bbands:20:2,macd:12:26:9`),
 * each indicator with its parameters. The fragment never reaches the server, whose routes refuse
 * query parameters they do not take, and the page reads it alone.
 */
export function readViewState(hash: string): ViewState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const symbol = params.get('symbol')?.trim().toUpperCase();
  const interval = params.get('interval') ?? DEFAULT_INTERVAL;
  return {
    symbol: symbol === undefined || symbol === '' ? undefined : symbol,
    interval: isInterval(interval) ? interval : DEFAULT_INTERVAL,
    indicators: parseIndicators(params.get('indicators')),
  };
}

export function formatViewState({ symbol, interval, indicators }: ViewState): string {
  const params = new URLSearchParams();
  if (symbol !== undefined) params.set('symbol', symbol);
  params.set('interval', interval);
  if (indicators.length > 0) params.set('indicators', formatIndicators(indicators));
  // `:` and `,` need no escaping in a fragment: left readable, as people share these.
  return `#${params.toString().replaceAll('%3A', ':').replaceAll('%2C', ',')}`;
}
