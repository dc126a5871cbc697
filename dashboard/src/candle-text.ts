import type { ServedCandle } from './candle-bars.js';

/** A candle in words and exact digits: the legend and the chart's text alternative. */
export function describeCandle(symbol: string, interval: string, candle: ServedCandle): string {
  return (
    `${symbol} ${interval} ${candle.timestamp}: open ${candle.open}, high ${candle.high}, ` +
    `low ${candle.low}, close ${candle.close}, volume ${candle.volume}, VWAP ${candle.vwap}, ` +
    `${candle.trade_count} trade${candle.trade_count === 1 ? '' : 's'}`
  );
}
