import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitRange } from '../../shared/candles/split-range.js';
import { INTERVALS, bucketStart } from '../../shared/market/candle-intervals.js';

const DAY = 86_400_000;
const MINUTE = INTERVALS['1m'];

describe('splitRange', () => {
  it('cuts a day of 1m buckets into two halves at a bucket boundary', () => {
    const start = Date.UTC(2026, 10, 10);
    expect(splitRange(start, start + DAY, MINUTE, 2, 240)).toEqual([
      [start, start + DAY / 2],
      [start + DAY / 2, start + DAY],
    ]);
  });

  it('keeps a range of fewer buckets than the minimum whole', () => {
    const start = Date.UTC(2026, 10, 10);
    expect(splitRange(start, start + 239 * MINUTE, MINUTE, 2, 240)).toEqual([
      [start, start + 239 * MINUTE],
    ]);
  });

  it('covers the range exactly, in order, cut only at bucket boundaries, each part non-empty', () => {
    const intervals = Object.values(INTERVALS);
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2030, 0, 1) }),
        fc.integer({ min: 1, max: 40 * DAY }),
        fc.constantFrom(...intervals),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 500 }),
        (start, length, intervalMs, parts, minBuckets) => {
          const end = start + length;
          const ranges = splitRange(start, end, intervalMs, parts, minBuckets);
          expect(ranges.length).toBeGreaterThanOrEqual(1);
          expect(ranges.length).toBeLessThanOrEqual(parts);
          expect(ranges[0]?.[0]).toBe(start);
          expect(ranges.at(-1)?.[1]).toBe(end);
          ranges.forEach(([from, to], index) => {
            expect(to).toBeGreaterThan(from);
            if (index > 0) {
              expect(from).toBe(ranges[index - 1]?.[1]);
              expect(bucketStart(from, intervalMs)).toBe(from);
            }
          });
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
