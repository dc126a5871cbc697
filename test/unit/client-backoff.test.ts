import { describe, expect, it } from 'vitest';
import { reconnectDelay } from '../../client/src/backoff.js';

const base = { baseMs: 2_000, maxDelayMs: 30_000 };

describe('reconnectDelay', () => {
  it.each([
    [0, 1_000, 2_000],
    [1, 2_000, 4_000],
    [2, 4_000, 8_000],
    [4, 15_000, 30_000],
    [40, 15_000, 30_000],
  ])('attempt %i waits between %i and %i ms', (attempt, low, high) => {
    expect(reconnectDelay(attempt, { ...base, random: () => 0 })).toBe(low);
    expect(reconnectDelay(attempt, { ...base, random: () => 0.999_999 })).toBe(high);
  });

  it('spreads clients over the upper half (jitter)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelay(3, base)));
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(8_000);
  });

  it('never comes back sooner than a Retry-After, even past the ceiling', () => {
    expect(reconnectDelay(0, { ...base, retryAfterMs: 5_000, random: () => 0.5 })).toBe(5_000);
    expect(reconnectDelay(0, { ...base, retryAfterMs: 120_000 })).toBe(120_000);
  });
});
