import type { CandlestickData, HistogramData, LineData, UTCTimestamp } from 'lightweight-charts';
import type { Candle } from '../../shared/candles/candle.js';

/** A candle as /candles and the stream's candle events carry it: exact decimal strings. */
export type ServedCandle = Candle;

/** One candle as the chart's three series draw it. */
export interface CandleBars {
  candle: CandlestickData<UTCTimestamp>;
  volume: HistogramData<UTCTimestamp>;
  vwap: LineData<UTCTimestamp>;
}

const UP_VOLUME = 'rgba(38, 166, 154, 0.5)';
const DOWN_VOLUME = 'rgba(239, 83, 80, 0.5)';

/** The chart's time: whole seconds since the epoch, UTC (every bucket starts on a whole minute). */
export function chartTime(timestamp: string): UTCTimestamp {
  return (Date.parse(timestamp) / 1000) as UTCTimestamp;
}

/**
 * A served candle as chart bars. The chart draws floats; the exact strings stay in the page's own
 * copy for the legend and the text alternative.
 */
export function candleBars(served: ServedCandle): CandleBars {
  const time = chartTime(served.timestamp);
  const open = Number(served.open);
  const close = Number(served.close);
  return {
    candle: { time, open, high: Number(served.high), low: Number(served.low), close },
    volume: { time, value: Number(served.volume), color: close >= open ? UP_VOLUME : DOWN_VOLUME },
    vwap: { time, value: Number(served.vwap) },
  };
}
