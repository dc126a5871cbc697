import type { Subscription } from '../../client/src/index.js';
import {
  anomalyMarkers,
  anomalyTime,
  describeAnomaly,
  fromAlert,
  type ShownAnomaly,
} from './anomaly-markers.js';
import { fetchAnomalies } from './anomaly-source.js';
import type { ApiSession } from './api-session.js';
import { chartTime, type ServedCandle } from './candle-bars.js';
import { describeCandle } from './candle-text.js';
import { frameBatch } from './frame-batch.js';
import { followFreshness, type FreshnessBadge } from './freshness-badge.js';
import type { IndicatorLayer } from './indicator-layer.js';
import { fetchIndicatorValues } from './indicator-source.js';
import type { IndicatorChoice } from './indicator-specs.js';
import { followSymbol } from './live-feed.js';
import type { LiveStats } from './live-stats.js';
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
  /** Older pages asked of /candles after scrolling left (an empty one included). */
  olderPages: number;
  /** An older page is being fetched (never two at once). */
  olderLoading: boolean;
  /** An older page came back empty: there is no more history to load for this view. */
  historyComplete: boolean;
  /** The chart's time scale, for the tests to scroll it (scrollToPosition, the visible ranges). */
  timeScale(): ReturnType<PriceChart['api']['timeScale']>;
  /** Anomaly loads from /anomalies finished (a view, an older page each add one). */
  anomalyLoads: number;
  /** The anomaly markers on the candles, as the chart holds them. */
  markers(): ReturnType<PriceChart['markers']>;
  /** How the page keeps up with the stream. */
  live: LiveStats;
}

/** After a candle closes or is revised, indicators are asked for again at most this often. */
const INDICATORS_EVERY_MS = 1_000;

/** The screen reader's summary changes at most this often, however fast candles move. */
const TEXT_EVERY_MS = 5_000;

/** Trade times kept for the lag figures until a frame draws them. */
const MAX_UNSHOWN_TRADES = 10_000;

/** Buckets asked of /candles for a view: a day of 1m candles, which the chart draws in one go. */
const FIRST_PAGE = 1_440;

/** Buckets asked of /candles per older page when scrolling into history. */
const OLDER_PAGE = 500;

/** An older page is fetched once the view's left edge is this many bars from the first one. */
const NEAR_FIRST_BARS = 20;

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
  stats: LiveStats & { tradesShown(timestamps: readonly string[]): void },
) {
  let generation = 0;
  let subscription: Subscription | undefined;
  let freshness: FreshnessBadge | undefined;
  let served = new Map<number, ServedCandle>();
  let waiting: ServedCandle[] | undefined;
  let view: ViewState | undefined;
  let textTimer: ReturnType<typeof setTimeout> | undefined;
  let indicatorTimer: ReturnType<typeof setTimeout> | undefined;
  /** The newest trade's time seen (ISO 8601 UTC strings order as their instants do). */
  let lastTradeAt = '';
  /** An older page is being fetched; an empty one ended this view's history. */
  let olderLoading = false;
  let historyComplete = false;
  /** The view's anomalies by id: /anomalies' over the loaded range, and the stream's since. */
  let anomalies = new Map<string, ShownAnomaly>();

  const lastCandle = () => [...served.values()].at(-1);
  const describe = (candle: ServedCandle | undefined) =>
    view?.symbol === undefined || candle === undefined
      ? 'No candles in this range yet.'
      : describeCandle(view.symbol, view.interval, candle);
  /** The candle's text, then each anomaly in its bucket: kind, observed against threshold. */
  const describeWithAnomalies = (candle: ServedCandle | undefined) => {
    const text = describe(candle);
    if (view === undefined || candle === undefined) return text;
    const { interval } = view;
    const time = chartTime(candle.timestamp);
    const here = [...anomalies.values()].filter((a) => anomalyTime(a, interval) === time);
    return here.length === 0 ? text : `${text} · ${here.map(describeAnomaly).join(' · ')}`;
  };
  const drawMarkers = () => {
    if (view !== undefined) chart.setMarkers(anomalyMarkers(anomalies.values(), view.interval));
  };

  /** The view's anomalies from the loaded range's start on, all pages, merged with live ones. */
  async function loadAnomalies(current: number) {
    const range = probe.range;
    if (view?.symbol === undefined || range === undefined) return;
    const listed = await fetchAnomalies(client, view.symbol, range.start);
    if (current !== generation) return;
    for (const anomaly of listed) anomalies.set(anomaly.id, anomaly);
    drawMarkers();
    probe.anomalyLoads += 1;
  }
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

  /** Trades received and not drawn yet: their times, for the lag figures. */
  let unshownTrades: string[] = [];
  /**
   * The stream's updates, drawn once a frame: each bucket's newest candle (by its start, in
   * seconds) and the newest price (key -1).
   */
  const live = frameBatch<{ candle: ServedCandle } | { price: string; timestamp: string }>(
    (updates) => {
      for (const update of updates) {
        if ('candle' in update) {
          apply(update.candle);
          stats.candlesDrawn += 1;
        } else layout.lastPrice.textContent = `last ${update.price} at ${update.timestamp}`;
      }
      stats.framesDrawn += 1;
      stats.tradesShown(unshownTrades);
      unshownTrades = [];
    },
  );
  const PRICE = -1;

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
      choices.map((choice) => fetchIndicatorValues(client, symbol, interval, choice, range.start)),
    );
    if (current !== generation) return;
    // Older candles came in meanwhile: ask again from the new first one, or their values go.
    if (probe.range !== undefined && probe.range.start !== range.start) {
      await loadIndicators(current, choices);
      return;
    }
    choices.forEach((choice, index) => {
      const values = answers[index];
      if (values !== undefined) indicatorLayer.show(choice, values);
    });
    probe.indicatorLoads += 1;
  }

  /**
   * The page of candles before the first one held, with its indicator values, put in front
   * without moving the view. One at a time; an empty page ends the history of this view.
   */
  async function loadOlder(current: number) {
    const first = [...served.values()][0];
    const range = probe.range;
    if (view?.symbol === undefined || first === undefined || range === undefined) return;
    const { symbol, interval, indicators } = view;
    const loads = probe.loads;
    /** Another view, or the candles loaded again (a resync): this page no longer fits. */
    const stale = () => current !== generation || probe.loads !== loads || waiting !== undefined;
    probe.olderLoading = true;
    let failed = false;
    try {
      const { data } = await client.GET('/candles', {
        params: { query: { symbol, interval, end: first.timestamp, limit: OLDER_PAGE } },
      });
      if (stale()) return;
      const firstTime = chartTime(first.timestamp);
      // The end is exclusive, so nothing overlaps; kept strict all the same.
      const older = data.candles.filter((candle) => chartTime(candle.timestamp) < firstTime);
      const values =
        older.length === 0
          ? []
          : await Promise.all(
              indicators.map((choice) =>
                fetchIndicatorValues(client, symbol, interval, choice, data.start, first.timestamp),
              ),
            );
      if (stale()) return;
      probe.olderPages += 1;
      if (older.length === 0) {
        historyComplete = true;
        probe.historyComplete = true;
        return;
      }
      served = new Map([
        ...older.map((candle): [number, ServedCandle] => [chartTime(candle.timestamp), candle]),
        ...served,
      ]);
      chart.prepend(older);
      probe.range = { start: data.start, end: probe.range?.end ?? range.end };
      loadAnomalies(current).catch(fail);
      // Indicators switched meanwhile: their values over the whole range, not this page's.
      if (JSON.stringify(view.indicators) === JSON.stringify(indicators))
        indicators.forEach((choice, index) => {
          indicatorLayer.prepend(choice.type, values[index] ?? []);
        });
      else loadIndicators(current, view.indicators).catch(fail);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      olderLoading = false;
      if (current === generation) probe.olderLoading = false;
      // Still near the first candle (a short page, or a view shown meanwhile): the next page.
      // The chart applies a new range on its next frame, so it is read after that. After a
      // failure, only the next scroll asks again.
      if (!failed) afterFrame(generation);
    }
  }
  const afterFrame = (current: number) => {
    requestAnimationFrame(() => {
      nearFirst(current);
    });
  };

  /** Fetches the older page when the view's left edge nears the first candle held. */
  function nearFirst(current: number) {
    const visible = chart.api.timeScale().getVisibleLogicalRange();
    if (
      current !== generation ||
      olderLoading ||
      historyComplete ||
      waiting !== undefined ||
      served.size === 0 ||
      visible === null ||
      visible.from > NEAR_FIRST_BARS
    )
      return;
    olderLoading = true;
    loadOlder(current).catch((error: unknown) => {
      olderLoading = false;
      fail(error);
    });
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
    // Candles not drawn yet predate this load: /candles answers them or newer (drawn after it,
    // as in a hidden tab that gets no frames, they would put older states back).
    live.clear((key) => key !== PRICE);
    historyComplete = false;
    probe.historyComplete = false;
    const { data } = await client.GET('/candles', {
      params: { query: { symbol, interval, limit: FIRST_PAGE } },
    });
    if (current !== generation) return;
    served = new Map(data.candles.map((candle) => [chartTime(candle.timestamp), candle]));
    chart.setCandles(data.candles);
    markDrawn(data.candles.length);
    const queued = waiting;
    waiting = undefined;
    queued.forEach(apply);
    writeText();
    probe.range = { start: data.start, end: data.end };
    probe.view = { symbol, interval, indicators };
    probe.loads += 1;
    await Promise.all([loadIndicators(current, indicators), loadAnomalies(current)]);
    afterFrame(current);
  }

  /**
   * A performance mark (`mdp:candles-drawn`, the number of bars in its detail) in the frame after a
   * view's candles were set, when the chart draws them: what the browser test times first render by.
   */
  const markDrawn = (bars: number) => {
    requestAnimationFrame(() => {
      performance.mark('mdp:candles-drawn', { detail: { bars } });
    });
  };

  const fail = (error: unknown) => {
    showError(error instanceof Error ? error.message : String(error));
  };

  chart.api.timeScale().subscribeVisibleLogicalRangeChange(() => {
    nearFirst(generation);
  });

  chart.onHover((time) => {
    layout.legend.textContent = describeWithAnomalies(
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
      live.clear();
      unshownTrades = [];
      showError(undefined);
      layout.lastPrice.textContent = '';
      lastTradeAt = '';
      layout.legend.textContent = '';
      anomalies = new Map();
      chart.setMarkers([]);
      subscription = followSymbol(client, next.symbol, next.interval, {
        onCandle: (candle) => {
          if (current !== generation || candle.symbol !== next.symbol) return;
          stats.candleEvents += 1;
          if (waiting === undefined) live.put(chartTime(candle.timestamp), { candle });
          else waiting.push(candle);
          // A closed or revised candle changes the indicators' newest values: ask again.
          if (candle.closed || candle.revised) scheduleIndicators(current);
        },
        onPrice: (price, timestamp) => {
          if (current !== generation) return;
          stats.tradeEvents += 1;
          // A hidden tab gets no frames: its samples stop at a bound instead of growing for hours.
          if (unshownTrades.length < MAX_UNSHOWN_TRADES) unshownTrades.push(timestamp);
          freshness?.tradeSeen(timestamp);
          // A late trade (one that revises an old candle) is not the last price.
          if (timestamp < lastTradeAt) return;
          lastTradeAt = timestamp;
          live.put(PRICE, { price, timestamp });
        },
        onAlert: (alert) => {
          if (current !== generation || alert.symbol !== next.symbol) return;
          anomalies.set(alert.anomalyId, fromAlert(alert));
          drawMarkers();
        },
        onState: (state, detail) => {
          if (current !== generation) return;
          layout.connection.textContent = state;
          layout.connection.dataset['state'] = state;
          if (detail !== undefined) showError(detail);
        },
        onResync: () => {
          if (current !== generation) return;
          loadCandles(current, next).catch(fail);
          freshness?.recheck();
        },
      });
      loadCandles(current, next).catch(fail);
      freshness?.close();
      freshness = followFreshness(client, next.symbol, layout.freshness, fail);
    },
  };
}
