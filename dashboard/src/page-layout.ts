import { el } from './dom.js';

/** The page's parts that the script fills and listens to. */
export interface PageLayout {
  search: HTMLInputElement;
  symbol: HTMLSelectElement;
  interval: HTMLSelectElement;
  connection: HTMLElement;
  freshness: HTMLElement;
  lastPrice: HTMLElement;
  indicators: HTMLElement;
  legend: HTMLElement;
  chart: HTMLElement;
  lastCandle: HTMLElement;
  error: HTMLElement;
}

/** lightweight-charts' licence: its NOTICE's attribution notice and a link to TradingView. */
const TRADINGVIEW = 'https://www.tradingview.com/';
const ATTRIBUTION = 'TradingView Lightweight Charts™ Copyright (c) 2025 TradingView, Inc.';

/** Builds the page inside `root`: controls (each with its label), the chart, the text alternative. */
export function buildLayout(root: HTMLElement, intervals: readonly string[]): PageLayout {
  const search = el('input', {
    id: 'symbol-search',
    type: 'search',
    placeholder: 'AAPL, Apple…',
    autocomplete: 'off',
  });
  const symbol = el('select', { id: 'symbol' });
  const interval = el(
    'select',
    { id: 'interval' },
    ...intervals.map((name) => el('option', { value: name }, name)),
  );
  const connection = el('span', { id: 'connection', class: 'badge', role: 'status' }, 'connecting');
  const freshness = el('span', { id: 'freshness', class: 'badge' });
  const lastPrice = el('span', { id: 'last-price' });
  const indicators = el(
    'fieldset',
    { id: 'indicators', class: 'indicators' },
    el('legend', {}, 'Indicators'),
  );
  const legend = el('div', { id: 'legend', class: 'legend' });
  const chart = el('div', {
    id: 'chart',
    class: 'chart',
    role: 'img',
    'aria-label': 'Candlestick chart; the last candle is described below',
  });
  const lastCandle = el('p', { id: 'last-candle', 'aria-live': 'polite' });
  const error = el('p', { id: 'error', class: 'error', role: 'alert', hidden: '' });
  root.append(
    el(
      'header',
      {},
      el('h1', {}, 'Market data'),
      el(
        'div',
        { class: 'controls' },
        el('label', { for: 'symbol-search' }, 'Search symbols'),
        search,
        el('label', { for: 'symbol' }, 'Symbol'),
        symbol,
        el('label', { for: 'interval' }, 'Interval'),
        interval,
        lastPrice,
        freshness,
        connection,
      ),
    ),
    indicators,
    error,
    legend,
    chart,
    el('section', { 'aria-label': 'Last candle' }, lastCandle),
    el(
      'footer',
      {},
      el('span', { id: 'attribution' }, `Charting by ${ATTRIBUTION} `),
      el('a', { href: TRADINGVIEW, rel: 'noopener' }, TRADINGVIEW),
      ' (Apache-2.0). Data: this api’s /candles, /stream and /status/ingestion.',
    ),
  );
  return {
    search,
    symbol,
    interval,
    connection,
    freshness,
    lastPrice,
    indicators,
    legend,
    chart,
    lastCandle,
    error,
  };
}
