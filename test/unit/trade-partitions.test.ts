import { describe, expect, it } from 'vitest';
import {
  addMonths,
  isPastRetention,
  monthLabel,
  monthOf,
  monthOfPartition,
  partitionName,
} from '../../shared/trades/trade-partitions.js';

describe('trade partitions', () => {
  it('names a month by its UTC calendar month, and reads the name back', () => {
    // 23:30 on the last day of January in UTC is still January, whatever the local zone says.
    const month = monthOf(new Date('2026-01-31T23:30:00Z'));
    expect(month.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(partitionName(month)).toBe('trades_p2026_01');
    expect(monthOfPartition('trades_p2026_01')).toEqual(month);
    expect(addMonths(month, 11).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(addMonths(month, -1).toISOString()).toBe('2025-12-01T00:00:00.000Z');
    expect(monthLabel(addMonths(month, 12))).toBe('2027-01');
  });

  it.each(['trades_default', 'trades_p2026_13', 'trades_p2026_00', 'trades_p26_01', 'candles'])(
    'is no month for %s',
    (name) => {
      expect(monthOfPartition(name)).toBeUndefined();
    },
  );

  it('drops a month only once its end is the retention back', () => {
    const january = new Date('2026-01-01T00:00:00Z');
    // January ends 2026-02-01T00:00Z; 30 days later is 2026-03-03T00:00Z.
    expect(isPastRetention(january, new Date('2026-03-03T00:00:00Z'), 30)).toBe(true);
    expect(isPastRetention(january, new Date('2026-03-02T23:59:59.999Z'), 30)).toBe(false);
  });
});
