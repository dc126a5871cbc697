import { describe, expect, it } from 'vitest';
import {
  applyStep,
  generateTrades,
  JUMP_VOLUME_FACTOR,
  initialPrice,
  MAX_STEP,
  stepFor,
  type WalkRequest,
} from '../../shared/market/random-walk.js';
import { tradeIdFor } from '../../shared/market/trade-id.js';

const T0 = Date.parse('2026-11-21T16:00:00.000Z');
const base: WalkRequest = {
  seed: 'test-seed',
  symbol: 'AAPL',
  untilMs: T0,
  intervalMs: 3_000,
  maxTrades: 10_000,
  maxBackfillMs: 3_600_000,
};

describe('generateTrades', () => {
  it('starts a new symbol on the interval grid at a price between 100 and 500', () => {
    const [first, ...rest] = generateTrades({ ...base, untilMs: T0 + 1_500 });
    expect(rest).toHaveLength(0);
    expect(first?.ts).toBe(new Date(T0).toISOString());
    expect(Number(first?.price)).toBeGreaterThanOrEqual(100);
    expect(Number(first?.price)).toBeLessThanOrEqual(500);
  });

  it('generates one trade per interval after the last stored trade, up to and including "until"', () => {
    const trades = generateTrades({
      ...base,
      last: { price: '187.23', timestampMs: T0 },
      untilMs: T0 + 30_000,
    });
    expect(trades.map((t) => Date.parse(t.ts) - T0)).toEqual(
      [3, 6, 9, 12, 15, 18, 21, 24, 27, 30].map((s) => s * 1000),
    );
    expect(trades.map((t) => t.trade_id)).toEqual(
      trades.map((t) => tradeIdFor('AAPL', Date.parse(t.ts))),
    );
  });

  it('never moves more than 2% a step, never reaches zero, and stays on the price tick', () => {
    const trades = generateTrades({
      ...base,
      last: { price: '100.00', timestampMs: T0 },
      untilMs: T0 + 3_000 * 5_000,
    });
    let previous = 100;
    for (const trade of trades) {
      const price = Number(trade.price);
      expect(price).toBeGreaterThan(0);
      expect(Math.abs(price / previous - 1)).toBeLessThanOrEqual(MAX_STEP + 1e-12);
      expect(trade.price).toMatch(/^\d+\.\d{2}$/);
      const volume = Number(trade.volume);
      expect(Number.isInteger(volume) && volume >= 1_000 && volume <= 100_000).toBe(true);
      previous = price;
    }
  });

  it('is deterministic: two overlapping runs from the same stored trade publish identical trades', () => {
    const last = { price: '250.10', timestampMs: T0 };
    const early = generateTrades({ ...base, last, untilMs: T0 + 60_000 });
    const late = generateTrades({ ...base, last, untilMs: T0 + 120_000 });
    expect(late.slice(0, early.length)).toEqual(early);
    expect(late.length).toBeGreaterThan(early.length);
  });

  it('continues a series exactly where a stored trade left it (a restart does not fork the walk)', () => {
    const whole = generateTrades({
      ...base,
      last: { price: '42.00', timestampMs: T0 },
      untilMs: T0 + 60_000,
    });
    const middle = whole[9];
    if (!middle) throw new Error('expected 20 trades');
    const resumed = generateTrades({
      ...base,
      last: { price: middle.price, timestampMs: Date.parse(middle.ts) },
      untilMs: T0 + 60_000,
    });
    expect(resumed).toEqual(whole.slice(10));
  });

  it('depends on the seed and the symbol', () => {
    const request = { ...base, last: { price: '100.00', timestampMs: T0 }, untilMs: T0 + 300_000 };
    const prices = (r: WalkRequest) =>
      generateTrades(r)
        .map((t) => t.price)
        .join();
    expect(prices(request)).not.toBe(prices({ ...request, seed: 'other' }));
    expect(prices(request)).not.toBe(prices({ ...request, symbol: 'MSFT' }));
  });

  it('caps the trades of one call so a long pause does not flood', () => {
    const trades = generateTrades({
      ...base,
      last: { price: '10.00', timestampMs: T0 },
      untilMs: T0 + 600_000,
      maxTrades: 50,
    });
    expect(trades).toHaveLength(50);
    expect(trades[0]?.ts).toBe(new Date(T0 + 3_000).toISOString());
  });

  it('does not backfill beyond the window: after a long gap it resumes on the grid, from the last price', () => {
    const last = { price: '300.00', timestampMs: T0 };
    const untilMs = T0 + 24 * 3_600_000;
    const trades = generateTrades({ ...base, last, untilMs, maxBackfillMs: 60_000 });
    expect(trades).toHaveLength(21);
    const first = trades[0];
    expect(Date.parse(first?.ts ?? '')).toBeGreaterThanOrEqual(untilMs - 60_000);
    expect((Date.parse(first?.ts ?? '') - T0) % 3_000).toBe(0);
    expect(Math.abs(Number(first?.price) / 300 - 1)).toBeLessThanOrEqual(MAX_STEP);
  });

  it('returns nothing when no slot is due yet', () => {
    expect(
      generateTrades({ ...base, last: { price: '1.00', timestampMs: T0 }, untilMs: T0 + 2_999 }),
    ).toEqual([]);
  });
});

describe('jumps (INGEST_SPIKE_EVERY_N_TRADES)', () => {
  const last = { price: '200.00', timestampMs: T0 };
  const walk = (jumpEvery?: number) =>
    generateTrades({ ...base, last, untilMs: T0 + 600_000, jumpEvery });

  it('every Nth slot of the epoch grid moves 8 % and trades 8x the volume; the others walk as before', () => {
    const plain = walk();
    const jumpy = walk(50);
    const jumps = jumpy.filter((t) => Math.floor(Date.parse(t.ts) / 3_000) % 50 === 0);
    expect(jumps.length).toBe(4);
    for (const jump of jumps) {
      const i = jumpy.indexOf(jump);
      const before = Number(jumpy[i - 1]?.price ?? last.price);
      expect(Math.abs(Number(jump.price) / before - 1)).toBeCloseTo(0.08, 3);
      expect(Number(jump.volume)).toBe(Number(plain[i]?.volume) * JUMP_VOLUME_FACTOR);
    }
    // Before the first jump, the same series; volumes of the other slots unchanged throughout.
    const isJump = (i: number) => jumps.some((jump) => jump === jumpy[i]);
    const first = jumpy.findIndex((_, i) => isJump(i));
    expect(jumpy.slice(0, first)).toEqual(plain.slice(0, first));
    expect(jumpy.filter((_, i) => !isJump(i)).map((t) => t.volume)).toEqual(
      plain.filter((_, i) => !isJump(i)).map((t) => t.volume),
    );
  });

  it('are deterministic: a run resumed from a stored jump continues the same series', () => {
    const whole = walk(50);
    const cut = whole.findIndex((t) => Math.floor(Date.parse(t.ts) / 3_000) % 50 === 0);
    const at = whole[cut];
    if (at === undefined) throw new Error('expected a jump');
    const resumed = generateTrades({
      ...base,
      last: { price: at.price, timestampMs: Date.parse(at.ts) },
      untilMs: T0 + 600_000,
      jumpEvery: 50,
    });
    expect(resumed).toEqual(whole.slice(cut + 1));
  });

  it('are off by default (0)', () => {
    expect(walk(0)).toEqual(walk());
  });
});

describe('applyStep', () => {
  it.each([
    ['cents above a dollar', '187.23', 0.01, /^\d+\.\d{2}$/],
    ['8 decimals below a dollar', '0.00141342', -0.015, /^0\.\d{8}$/],
  ])('rounds to the tick: %s', (_name, previous, step, pattern) => {
    expect(applyStep(previous, step)).toMatch(pattern);
  });

  it('pulls rounding back inside the 2% bound', () => {
    // 1.26 * 1.02 = 1.2852 would round to 1.29, a 2.38% move.
    expect(applyStep('1.26', MAX_STEP)).toBe('1.28');
  });

  it('never reaches zero, even at the smallest price', () => {
    expect(Number(applyStep('0.00000001', -MAX_STEP))).toBeGreaterThan(0);
  });
});

describe('stepFor and initialPrice', () => {
  it('are pure functions of (seed, symbol, timestamp)', () => {
    expect(stepFor('s', 'AAPL', T0)).toEqual(stepFor('s', 'AAPL', T0));
    expect(stepFor('s', 'AAPL', T0)).not.toEqual(stepFor('s', 'AAPL', T0 + 3_000));
    expect(initialPrice('s', 'AAPL')).toBe(initialPrice('s', 'AAPL'));
  });

  it('spreads initial prices over 100-500', () => {
    const prices = Array.from({ length: 200 }, (_, i) => Number(initialPrice('s', `SYM${i}`)));
    expect(Math.min(...prices)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...prices)).toBeLessThanOrEqual(500);
    expect(Math.max(...prices) - Math.min(...prices)).toBeGreaterThan(200);
  });
});
