import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  LineSeries,
  type CandlestickData,
  type IChartApi,
  type MouseEventParams,
  type SeriesMarker,
  type UTCTimestamp,
} from 'lightweight-charts';
import { candleBars, type ServedCandle } from './candle-bars.js';

/** The price pane: candlesticks, the volume histogram beneath them, and each bucket's VWAP. */
export interface PriceChart {
  /** The chart itself, for the indicator layer's panes. */
  api: IChartApi;
  /** Replaces every candle (a new symbol or interval). */
  setCandles(candles: readonly ServedCandle[]): void;
  /**
   * Puts older candles (all before the first one held) in front, the view staying where it was:
   * the visible logical range moves by the number of bars added, so the same buckets stay on screen.
   */
  prepend(older: readonly ServedCandle[]): void;
  /** Adds or redraws one candle: the forming one, a new bucket, or a revised closed one. */
  upsert(candle: ServedCandle): void;
  /** Replaces the markers on the candles (anomalies), in time order. */
  setMarkers(markers: SeriesMarker<UTCTimestamp>[]): void;
  /** The markers as the chart holds them (for the browser tests). */
  markers(): readonly SeriesMarker<UTCTimestamp>[];
  /** The candles as the chart holds them (for the browser tests and the text alternative). */
  bars(): readonly CandlestickData<UTCTimestamp>[];
  /** The served candle under the crosshair, or undefined when it is off the chart. */
  onHover(listener: (time: UTCTimestamp | undefined) => void): void;
}

/** A view opens on its newest buckets this many wide (a day of 1m candles would be a blur). */
const VISIBLE_BARS = 180;

/** Room on the right of the newest bucket, in bars, for the forming one to grow into. */
const RIGHT_MARGIN_BARS = 3;

export function createPriceChart(container: HTMLElement): PriceChart {
  const chart: IChartApi = createChart(container, {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: '#ffffff' },
      textColor: '#1f2933',
      // The logo injects a <style> element, which the page's CSP (no inline style) refuses: the
      // attribution notice and link the licence asks for are in the page's footer instead.
      attributionLogo: false,
    },
    timeScale: { timeVisible: true, secondsVisible: false },
    localization: { timeFormatter: (time: UTCTimestamp) => new Date(time * 1000).toISOString() },
  });
  const candles = chart.addSeries(CandlestickSeries, {
    upColor: '#26a69a',
    downColor: '#ef5350',
    borderVisible: false,
    wickUpColor: '#26a69a',
    wickDownColor: '#ef5350',
  });
  const volume = chart.addSeries(HistogramSeries, {
    priceFormat: { type: 'volume' },
    // An overlay scale of its own, squeezed into the bottom fifth under the candles.
    priceScaleId: '',
    lastValueVisible: false,
    priceLineVisible: false,
  });
  // Anomaly markers ride on the candles, fed whole from the page's own list (anomaly-markers.ts).
  const markers = createSeriesMarkers(candles, []);
  volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  const vwap = chart.addSeries(LineSeries, {
    color: '#3f51b5',
    lineWidth: 1,
    lastValueVisible: false,
    priceLineVisible: false,
    title: 'VWAP',
  });

  /** The newest bar's time: an update before it is a historical one (a revised candle). */
  let lastTime: number | undefined;

  return {
    api: chart,
    setCandles(served) {
      const bars = served.map(candleBars);
      candles.setData(bars.map((bar) => bar.candle));
      volume.setData(bars.map((bar) => bar.volume));
      vwap.setData(bars.map((bar) => bar.vwap));
      lastTime = bars.at(-1)?.candle.time;
      if (bars.length <= VISIBLE_BARS) chart.timeScale().fitContent();
      else
        chart.timeScale().setVisibleLogicalRange({
          from: bars.length - VISIBLE_BARS,
          to: bars.length - 1 + RIGHT_MARGIN_BARS,
        });
    },
    prepend(older) {
      if (older.length === 0) return;
      const timeScale = chart.timeScale();
      const visible = timeScale.getVisibleLogicalRange();
      const bars = older.map(candleBars);
      candles.setData([...bars.map((bar) => bar.candle), ...candles.data()]);
      volume.setData([...bars.map((bar) => bar.volume), ...volume.data()]);
      vwap.setData([...bars.map((bar) => bar.vwap), ...vwap.data()]);
      lastTime ??= bars.at(-1)?.candle.time;
      if (visible !== null)
        timeScale.setVisibleLogicalRange({
          from: visible.from + bars.length,
          to: visible.to + bars.length,
        });
    },
    upsert(served) {
      const bar = candleBars(served);
      // Only the newest bar may be updated plainly; an older one (a revised candle) is a
      // historical update, which the chart redraws in place.
      const historical = lastTime !== undefined && bar.candle.time < lastTime;
      if (!historical) lastTime = bar.candle.time;
      candles.update(bar.candle, historical);
      volume.update(bar.volume, historical);
      vwap.update(bar.vwap, historical);
    },
    setMarkers(next) {
      markers.setMarkers(next);
    },
    // The chart hands back the markers it was given, whose times are UTCTimestamps.
    markers: () => markers.markers() as readonly SeriesMarker<UTCTimestamp>[],
    bars: () => candles.data() as readonly CandlestickData<UTCTimestamp>[],
    onHover(listener) {
      chart.subscribeCrosshairMove((event: MouseEventParams) => {
        listener(event.time as UTCTimestamp | undefined);
      });
    },
  };
}
