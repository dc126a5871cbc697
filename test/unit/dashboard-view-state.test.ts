import { describe, expect, it } from 'vitest';
import { candleBars } from '../../dashboard/src/candle-bars.js';
import { formatViewState, readViewState, type ViewState } from '../../dashboard/src/view-state.js';

describe("the dashboard's view in the URL fragment", () => {
  it.each([
    ['#symbol=aapl&interval=5m', { symbol: 'AAPL', interval: '5m', indicators: [] }],
    ['#symbol=MSFT', { symbol: 'MSFT', interval: '1m', indicators: [] }],
    ['#interval=2w', { symbol: undefined, interval: '1m', indicators: [] }],
    ['', { symbol: undefined, interval: '1m', indicators: [] }],
    ['#symbol=%20&interval=1d', { symbol: undefined, interval: '1d', indicators: [] }],
    [
      '#symbol=X&indicators=sma:50,macd,rsi:0,nope,sma:10,ema',
      {
        symbol: 'X',
        interval: '1m',
        indicators: [
          { type: 'sma', window: 50 },
          { type: 'macd', window: undefined },
          { type: 'rsi', window: 14 },
          { type: 'ema', window: 20 },
        ],
      },
    ],
  ])('reads %j', (hash, view) => {
    expect(readViewState(hash)).toEqual(view);
  });

  it('writes what it reads back', () => {
    const view: ViewState = {
      symbol: 'BRK.B',
      interval: '1w',
      indicators: [
        { type: 'bbands', window: 30 },
        { type: 'macd', window: undefined },
      ],
    };
    expect(readViewState(formatViewState(view))).toEqual(view);
  });
});

describe("a served candle as the chart's bars", () => {
  it('keeps the bucket as whole UTC seconds and each value', () => {
    const bars = candleBars({
      timestamp: '2026-11-29T09:05:00.000Z',
      open: '168.66',
      high: '168.7',
      low: '167.17',
      close: '167.49',
      volume: '710099',
      vwap: '167.65681237',
      trade_count: 15,
    });
    const time = Date.UTC(2026, 10, 29, 9, 5) / 1000;
    expect(bars.candle).toEqual({ time, open: 168.66, high: 168.7, low: 167.17, close: 167.49 });
    expect(bars.volume).toMatchObject({ time, value: 710099 });
    expect(bars.vwap).toEqual({ time, value: 167.65681237 });
  });
});
