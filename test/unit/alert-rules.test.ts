import { describe, expect, it } from 'vitest';
import { rsiSeverity, severityOf } from '../../shared/alerts/alert-rules.js';
import { closedBuckets } from '../../shared/alerts/candle-rules.js';
import { detectTradeAnomalies } from '../../shared/alerts/trade-rules.js';

const thresholds = {
  priceSpikePercent: 5,
  volumeSpikeRatio: 3,
  rsiHigh: 70,
  rsiLow: 30,
  ingestLagSeconds: 30,
  staleAfterIntervals: 3,
};
interface Trade {
  tradeId: string;
  price: number;
  volume: number;
  tsMs: number;
}
const trade = (n: number, price: number, volume = 100, tsMs = n * 1_000): Trade => ({
  tradeId: `T-${n}`,
  price,
  volume,
  tsMs,
});
/** The batch's `trades` judged after the stored `trailing` (oldest first), as persist lays them out. */
const detect = (trades: Trade[], trailing: Trade[] = []) => {
  const all = [...trailing, ...trades];
  return detectTradeAnomalies({
    symbol: 'T',
    thresholds,
    previousPrice: trailing.at(-1)?.price,
    series: {
      price: Float64Array.from(all, (t) => t.price),
      volume: Float64Array.from(all, (t) => t.volume),
      tsMs: Float64Array.from(all, (t) => t.tsMs),
    },
    trailingCount: trailing.length,
    tradeIdAt: (i) => all[i]?.tradeId ?? '',
  }).map((d) => [d.kind, d.tradeId, d.severity, d.observed]);
};

describe('per-trade rules', () => {
  it('a jump against the previous trade alone, before the window holds 5 trades', () => {
    expect(detect([trade(1, 100), trade(2, 106)])).toEqual([
      ['price_spike', 'T-2', 'warning', '6'],
    ]);
  });

  it('the trailing VWAP forgets trades older than a minute', () => {
    // Five trades at 200 long ago, then a quiet series at 100: the old ones leave the window.
    const old = [1, 2, 3, 4, 5].map((n) => trade(n, 200));
    const quiet = [100, 101, 102, 103, 104, 105].map((n) => trade(n, 100));
    expect(detect(quiet, old).map(([kind, id]) => `${kind}:${id}`)).toEqual([
      // The first is 50 % from the trade before it (200); the old trades have left the window, so
      // none of the quiet ones is judged against their VWAP.
      'price_spike:T-100',
    ]);
  });

  it('volume against the window’s average, each trade of the batch in it for the next', () => {
    const window = [1, 2, 3, 4, 5].map((n) => trade(n, 100, 100));
    expect(detect([trade(6, 100, 350), trade(7, 100, 700)], window)).toEqual([
      ['volume_spike', 'T-6', 'warning', '3.5'],
      // 700 against (5 x 100 + 350) / 6 = 141.67: 4.94x.
      ['volume_spike', 'T-7', 'warning', '4.9412'],
    ]);
  });
});

describe('severity', () => {
  it.each([
    [9.99, 5, 'warning'],
    [10, 5, 'critical'],
    [5.01, 5, 'warning'],
  ] as const)('%d against %d is %s', (observed, threshold, severity) => {
    expect(severityOf(observed, threshold)).toBe(severity);
  });

  it.each([
    [71, 'warning'],
    [85, 'critical'],
    [29, 'warning'],
    [15, 'critical'],
  ] as const)('RSI %d is %s', (rsi, severity) => {
    expect(rsiSeverity(rsi, 70, 30)).toBe(severity);
  });
});

describe('closedBuckets', () => {
  const minute = { name: '1m', unit: 'm', ms: 60_000 } as const;
  it('closes the buckets between the trade before the batch and the batch’s last', () => {
    expect(closedBuckets(minute, 59_000, 61_000, 185_000)).toEqual({ fromMs: 0, toMs: 180_000 });
    expect(closedBuckets(minute, 61_000, 62_000, 119_000)).toBeUndefined();
    // The first trade of a symbol closes nothing before its own bucket.
    expect(closedBuckets(minute, undefined, 61_000, 125_000)).toEqual({
      fromMs: 60_000,
      toMs: 120_000,
    });
  });
});
