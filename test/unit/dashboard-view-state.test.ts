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
      // The first form (a window only) still reads; missing or unfit parameters take defaults.
      '#symbol=X&indicators=sma:50,macd,rsi:0,nope,sma:10,ema,bbands:30:2.5',
      {
        symbol: 'X',
        interval: '1m',
        indicators: [
          { type: 'sma', params: { window: 50 } },
          { type: 'macd', params: { short: 12, long: 26, signal: 9 } },
          { type: 'rsi', params: { window: 14 } },
          { type: 'ema', params: { window: 20 } },
          { type: 'bbands', params: { window: 30, k: 2.5 } },
        ],
      },
    ],
    [
      '#indicators=macd:8:21:5,bbands:20:0,rsi:501,ema:2.5',
      {
        symbol: undefined,
        interval: '1m',
        indicators: [
          { type: 'macd', params: { short: 8, long: 21, signal: 5 } },
          { type: 'bbands', params: { window: 20, k: 2 } },
          { type: 'rsi', params: { window: 14 } },
          { type: 'ema', params: { window: 20 } },
        ],
      },
    ],
    [
      // MACD's fast not shorter than its slow: /indicators would refuse it, so all defaults.
      '#indicators=macd:26:12:9,bbands:10:0.25',
      {
        symbol: undefined,
        interval: '1m',
        indicators: [
          { type: 'macd', params: { short: 12, long: 26, signal: 9 } },
          { type: 'bbands', params: { window: 10, k: 2 } },
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
        { type: 'bbands', params: { window: 30, k: 1.5 } },
        { type: 'macd', params: { short: 5, long: 35, signal: 7 } },
        { type: 'sma', params: { window: 200 } },
      ],
    };
    expect(formatViewState(view)).toBe(
      '#symbol=BRK.B&interval=1w&indicators=bbands:30:1.5,macd:5:35:7,sma:200',
    );
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
