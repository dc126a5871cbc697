import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTimestamp, parseZonedTimestamp } from '../../shared/market/timestamp.js';

describe('parseZonedTimestamp', () => {
  it.each([
    ['2026-11-21T16:00:00Z', '2026-11-21T16:00:00.000Z'],
    ['2026-11-21T16:00Z', '2026-11-21T16:00:00.000Z'],
    ['2026-11-21T16:00:00.123456Z', '2026-11-21T16:00:00.123Z'],
    ['2026-11-21T17:00:00+01:00', '2026-11-21T16:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('%s is %s', (input, expected) => {
    expect(new Date(parseZonedTimestamp(input) ?? Number.NaN).toISOString()).toBe(expected);
  });

  it.each([
    '2026-11-21T16:00:00',
    '2026-11-21 16:00:00Z',
    '2026-02-30T10:00:00Z',
    '2025-02-29T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-11-21T24:00:00Z',
    '2026-11-21T16:60:00Z',
    '2026-11-21T16:00:60Z',
    '2026-11-21T16:00:00+25:00',
    '21/11/2026',
    '',
  ])('%j is refused', (input) => {
    expect(parseZonedTimestamp(input)).toBeUndefined();
  });
});

describe('isoTimestamp', () => {
  it('is toISOString for every instant from 1970 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    0,
    Date.UTC(2000, 1, 29),
    Date.UTC(2100, 2, 1) - 1,
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
  ])('at the calendar’s edges: %d', (ms) => {
    expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });
});
