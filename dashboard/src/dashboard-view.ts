import type { Subscription } from '../../client/src/index.js';
import type { ApiSession } from './api-session.js';
import { chartTime, type ServedCandle } from './candle-bars.js';
import { describeCandle } from './candle-text.js';
import type { IndicatorLayer } from './indicator-layer.js';
import { specOf, type IndicatorChoice } from './indicator-specs.js';
import { followSymbol } from './live-feed.js';
import type { PageLayout } from './page-layout.js';
import type { PriceChart } from './price-chart.js';
import type { ViewState } from './view-state.js';

/** What the browser tests read back through the page (window.mdpDashboard). */
export interface DashboardProbe {
  /** Views fully loaded so far (a switch or a resync adds one). */
  loads: number;
  view: ViewState | undefined;
  /** The range /candles answered for the view: the test asks /candles for the same. */
  range: { start: string; end: string } | undefined;
  bars(): readonly { time: number; open: number; high: number; low: number; close: number }[];
  /** Indicator loads finished (a toggle, a view, a closed candle each add one). */
  indicatorLoads: number;
  indicators(): ReturnType<IndicatorLayer['data']>;
}

/** After a candle closes or is revised, indicators are asked for again at most this often. */
const INDICATORS_EVERY_MS = 1_000;

/** The screen reader's summary changes at most this often, however fast candles move. */
const TEXT_EVERY_MS = 5_000;

/**
 * One symbol and interval on screen: loads /candles, then keeps them moving with /stream. Stream
 * events that arrive while candles load wait and are applied after, so none is lost to the load.
 */
export function createDashboardView(
  { client }: ApiSession,
  layout: PageLayout,
  chart: PriceChart,
  indicatorLayer: IndicatorLayer,
  probe: DashboardProbe,
) {
  let generation = 0;
  let subscription: Subscription | undefined;
  let served = new Map<number, ServedCandle>();
  let waiting: ServedCandle[] | undefined;
  let view: ViewState | undefined;
  let textTimer: ReturnType<typeof setTimeout> | undefined;
  let indicatorTimer: ReturnType<typeof setTimeout> | undefined;
  /** The newest trade's time seen (ISO 8601 UTC strings order as their instants do). */
  let lastTradeAt = '';

  const lastCandle = () => [...served.values()].at(-1);
  const describe = (candle: ServedCandle | undefined) =>
    view?.symbol === undefined || candle === undefined
      ? 'No candles in this range yet.'
      : describeCandle(view.symbol, view.interval, candle);
  const writeText = () => {
    textTimer = undefined;
    layout.lastCandle.textContent = `Last candle: ${describe(lastCandle())}`;
  };
  const scheduleText = () => {
    textTimer ??= setTimeout(writeText, TEXT_EVERY_MS);
  };

  const apply = (candle: ServedCandle) => {
    served.set(chartTime(candle.timestamp), candle);
    chart.upsert(candle);
    scheduleText();
  };

  const showError = (message: string | undefined) => {
    layout.error.hidden = message === undefined;
    layout.error.textContent = message ?? '';
  };

  /** Every chosen indicator from /indicators, from the first candle shown up to now. */
  async function loadIndicators(current: number, choices: readonly IndicatorChoice[]) {
    const range = probe.range;
    if (view?.symbol === undefined || range === undefined) return;
    const { symbol, interval } = view;
    indicatorLayer.keep(choices.map((choice) => choice.type));
    const answers = await Promise.all(
      choices.map(({ type, window }) =>
        client.GET('/indicators', {
          params: {
            query: {
              symbol,
              interval,
              type,
              start: range.start,
              ...(window === undefined ? {} : { window }),
            },
          },
        }),
      ),
    );
    if (current !== generation) return;
    choices.forEach((choice, index) => {
      const values = answers[index]?.data.values;
      if (values !== undefined) indicatorLayer.show(specOf(choice.type), values);
    });
    probe.indicatorLoads += 1;
  }
  const scheduleIndicators = (current: number) => {
    if (view === undefined || view.indicators.length === 0) return;
    const choices = view.indicators;
    indicatorTimer ??= setTimeout(() => {
      indicatorTimer = undefined;
      loadIndicators(current, choices).catch(fail);
    }, INDICATORS_EVERY_MS);
  };

  async function loadCandles(
    current: number,
    { symbol, interval, indicators }: ViewState & { symbol: string },
  ) {
    waiting = [];
    const { data } = await client.GET('/candles', { params: { query: { symbol, interval } } });
    if (current !== generation) return;
    served = new Map(data.candles.map((candle) => [chartTime(candle.timestamp), candle]));
    chart.setCandles(data.candles);
    const queued = waiting;
    waiting = undefined;
    queued.forEach(apply);
    writeText();
    probe.range = { start: data.start, end: data.end };
    probe.view = { symbol, interval, indicators };
    probe.loads += 1;
    await loadIndicators(current, indicators);
  }

  async function showFreshness(current: number, symbol: string) {
    const { data } = await client.GET('/status/ingestion');
    if (current !== generation) return;
    const status = data.symbols.find((s) => s.symbol === symbol)?.status ?? 'no_data';
    layout.freshness.textContent = status === 'ok' ? 'fresh' : status.replace('_', ' ');
    layout.freshness.dataset['status'] = status;
  }

  const fail = (error: unknown) => {
    showError(error instanceof Error ? error.message : String(error));
  };

  chart.onHover((time) => {
    layout.legend.textContent = describe(
      time === undefined ? lastCandle() : (served.get(time) ?? lastCandle()),
    );
  });

  return {
    /** Other indicators on the same view: candles and stream stay as they are. */
    setIndicators(choices: IndicatorChoice[]) {
      if (view === undefined) return;
      view = { ...view, indicators: choices };
      loadIndicators(generation, choices).catch(fail);
    },
    show(next: ViewState & { symbol: string }) {
      const current = ++generation;
      view = next;
      subscription?.close();
      showError(undefined);
      layout.lastPrice.textContent = '';
      lastTradeAt = '';
      layout.legend.textContent = '';
      subscription = followSymbol(client, next.symbol, next.interval, {
        onCandle: (candle) => {
          if (current !== generation || candle.symbol !== next.symbol) return;
          if (waiting === undefined) apply(candle);
          else waiting.push(candle);
          // A closed or revised candle changes the indicators' newest values: ask again.
          if (candle.closed || candle.revised) scheduleIndicators(current);
        },
        onPrice: (price, timestamp) => {
          // A late trade (one that revises an old candle) is not the last price.
          if (current !== generation || timestamp < lastTradeAt) return;
          lastTradeAt = timestamp;
          layout.lastPrice.textContent = `last ${price} at ${timestamp}`;
        },
        onState: (state, detail) => {
          if (current !== generation) return;
          layout.connection.textContent = state;
          layout.connection.dataset['state'] = state;
          if (detail !== undefined) showError(detail);
        },
        onResync: () => {
          if (current === generation) loadCandles(current, next).catch(fail);
        },
      });
      loadCandles(current, next).catch(fail);
      showFreshness(current, next.symbol).catch(fail);
    },
  };
}
