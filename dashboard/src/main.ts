import { INTERVAL_NAMES } from '../../shared/market/candle-intervals.js';
import { openSession } from './api-session.js';
import { createDashboardView, type DashboardProbe } from './dashboard-view.js';
import { createIndicatorLayer } from './indicator-layer.js';
import { buildIndicatorPanel } from './indicator-panel.js';
import { buildLayout } from './page-layout.js';
import { createLiveStats } from './live-stats.js';
import { createPriceChart } from './price-chart.js';
import { wireSymbolPicker } from './symbol-picker.js';
import { formatViewState, isInterval, readViewState, type ViewState } from './view-state.js';
import './dashboard.css';

declare global {
  interface Window {
    /** Read by the browser tests: what the page shows, and the chart's own data. */
    mdpDashboard?: DashboardProbe;
  }
}

async function start(root: HTMLElement): Promise<void> {
  const layout = buildLayout(root, INTERVAL_NAMES);
  const chart = createPriceChart(layout.chart);
  const indicatorLayer = createIndicatorLayer(chart.api);
  const stats = createLiveStats();
  const probe: DashboardProbe = {
    loads: 0,
    view: undefined,
    range: undefined,
    bars: () => chart.bars(),
    indicatorLoads: 0,
    indicators: () => indicatorLayer.data(),
    olderPages: 0,
    olderLoading: false,
    historyComplete: false,
    timeScale: () => chart.api.timeScale(),
    anomalyLoads: 0,
    markers: () => chart.markers(),
    live: stats,
  };
  window.mdpDashboard = probe;
  const session = await openSession();
  const dashboard = createDashboardView(session, layout, chart, indicatorLayer, probe, stats);

  let state: ViewState = readViewState(window.location.hash);
  const show = (next: ViewState) => {
    const symbol = next.symbol ?? session.symbols[0]?.symbol;
    if (symbol === undefined) {
      layout.error.hidden = false;
      layout.error.textContent = 'No active symbols yet.';
      return;
    }
    state = { symbol, interval: next.interval, indicators: next.indicators };
    // Replaced, not pushed: the address always names what is on screen, for sharing and reloads.
    history.replaceState(null, '', formatViewState(state));
    picker.select(symbol);
    layout.interval.value = state.interval;
    panel.show(state.indicators);
    dashboard.show({ ...state, symbol });
  };
  const picker = wireSymbolPicker(layout.search, layout.symbol, session.symbols, (symbol) => {
    show({ ...state, symbol });
  });
  const panel = buildIndicatorPanel(layout.indicators, (indicators) => {
    state = { ...state, indicators };
    history.replaceState(null, '', formatViewState(state));
    dashboard.setIndicators(indicators);
  });
  layout.interval.addEventListener('change', () => {
    const interval = layout.interval.value;
    if (isInterval(interval)) show({ ...state, interval });
  });
  window.addEventListener('hashchange', () => {
    show(readViewState(window.location.hash));
  });
  show(state);
  root.removeAttribute('aria-busy');
}

const root = document.getElementById('app');
if (root !== null)
  start(root).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    root.append(
      Object.assign(document.createElement('p'), { className: 'error', textContent: message }),
    );
  });
