/**
 * Local-day boundaries where DST changes at midnight (a nonexistent midnight, a repeated one), a
 * fall-back that crosses midnight, a day a zone skipped, and offsets with seconds: the facts below
 * are the tz database's (zic's rules for each zone), written out by hand.
 */
import { describe, expect, it } from 'vitest';
import { LocalBuckets } from '../../shared/candles/local-buckets.js';
import { parseCandleInterval } from '../../shared/market/interval-grammar.js';
import { localIsoTimestamp, parseTimeZone } from '../../shared/market/time-zone.js';

const HOUR = 3_600_000;

function days(zone: string, from: string, to: string, interval = '1d') {
  const parsed = parseCandleInterval(interval);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return new LocalBuckets(parsed, zone)
    .between(Date.parse(from), Date.parse(to))
    .map((b) => [
      localIsoTimestamp(b.startMs, zone),
      new Date(b.startMs).toISOString(),
      (b.endMs - b.startMs) / HOUR,
    ]);
}

describe('LocalBuckets', () => {
  it.each([
    // Santiago skips 00:00 on 2024-09-08: the day starts at 01:00 -03 and lasts 23 hours.
    [
      'America/Santiago',
      '2024-09-08T04:00:00Z',
      '2024-09-09T00:00:00Z',
      '2024-09-08T01:00:00-03:00',
      '2024-09-08T04:00:00.000Z',
      23,
    ],
    // Santiago falls back from 24:00 to 23:00 on 2024-04-06: that day lasts 25 hours.
    [
      'America/Santiago',
      '2024-04-06T03:00:00Z',
      '2024-04-07T00:00:00Z',
      '2024-04-06T00:00:00-03:00',
      '2024-04-06T03:00:00.000Z',
      25,
    ],
    // Havana falls back from 01:00 to 00:00 on 2024-11-03: the first of the two midnights.
    [
      'America/Havana',
      '2024-11-03T04:00:00Z',
      '2024-11-04T00:00:00Z',
      '2024-11-03T00:00:00-04:00',
      '2024-11-03T04:00:00.000Z',
      25,
    ],
    // Beirut skips 00:00 on 2024-03-31.
    [
      'Asia/Beirut',
      '2024-03-30T22:00:00Z',
      '2024-03-31T12:00:00Z',
      '2024-03-31T01:00:00+03:00',
      '2024-03-30T22:00:00.000Z',
      23,
    ],
    // Asuncion skips 00:00 on 2024-10-06.
    [
      'America/Asuncion',
      '2024-10-06T04:00:00Z',
      '2024-10-06T12:00:00Z',
      '2024-10-06T01:00:00-03:00',
      '2024-10-06T04:00:00.000Z',
      23,
    ],
    // St. John's fell back from 00:01 to 23:01 on 2005-10-30: its midnight came first, at 02:30Z.
    [
      'America/St_Johns',
      '2005-10-30T02:30:00Z',
      '2005-10-30T12:00:00Z',
      '2005-10-30T00:00:00-02:30',
      '2005-10-30T02:30:00.000Z',
      25,
    ],
  ])('%s: the day from %s', (zone, from, to, local, utc, hours) => {
    expect(days(zone, from, to)[0]).toEqual([local, utc, hours]);
  });

  it('gives a day a zone skipped no bucket (Pacific/Apia, 2011-12-30)', () => {
    expect(days('Pacific/Apia', '2011-12-29T10:00:00Z', '2011-12-31T10:00:00Z')).toEqual([
      ['2011-12-29T00:00:00-10:00', '2011-12-29T10:00:00.000Z', 24],
      ['2011-12-31T00:00:00+14:00', '2011-12-30T10:00:00.000Z', 24],
    ]);
  });

  it('finds the bucket of an instant a fall-back put before midnight (St. John’s, 23:30 NST)', () => {
    const parsed = parseCandleInterval('1d');
    if ('problem' in parsed) throw new Error(parsed.problem);
    // 03:00Z reads 23:30 on the 29th: at 02:31Z (00:01 NDT on the 30th) clocks went back an hour.
    const bucket = new LocalBuckets(parsed, 'America/St_Johns').bucketAt(
      Date.parse('2005-10-30T03:00:00Z'),
    );
    expect(new Date(bucket.startMs).toISOString()).toBe('2005-10-30T02:30:00.000Z');
  });

  it('counts sub-day lengths from each local midnight, the last cut there', () => {
    const hours = days('America/New_York', '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z', '7h');
    expect(hours.map(([, , length]) => length)).toEqual([7, 7, 7, 4]);
    expect(hours.map(([local]) => local)).toEqual([
      '2026-11-01T00:00:00-04:00',
      '2026-11-01T06:00:00-05:00',
      '2026-11-01T13:00:00-05:00',
      '2026-11-01T20:00:00-05:00',
    ]);
  });

  it('counts N days, weeks, months and years from their origins', () => {
    expect(days('Asia/Tokyo', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '1w')[0]?.[0]).toBe(
      '2025-12-29T00:00:00+09:00', // a Monday
    );
    expect(
      days('Europe/Berlin', '2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z', '6M')[0]?.[0],
    ).toBe('2026-01-01T00:00:00+01:00');
    expect(days('UTC', '2025-05-01T00:00:00Z', '2025-05-02T00:00:00Z', '5y')[0]?.[0]).toBe(
      '2025-01-01T00:00:00+00:00', // 1970, 1975, ... 2025
    );
  });
});

describe('time zones', () => {
  it('writes offsets with seconds where local mean time has them', () => {
    expect(localIsoTimestamp(Date.parse('1971-06-01T00:44:30Z'), 'Africa/Monrovia')).toBe(
      '1971-06-01T00:00:00-00:44:30',
    );
    expect(localIsoTimestamp(Date.parse('2026-01-01T00:00:00Z'), 'Asia/Kathmandu')).toBe(
      '2026-01-01T05:45:00+05:45',
    );
  });

  it.each([
    ['america/new_york', { zone: 'America/New_York' }],
    ['utc', { zone: 'UTC' }],
    ['+05:00', { problem: expect.stringMatching(/IANA/) as unknown }],
    ['Mars/Olympus', { problem: expect.stringMatching(/unknown time zone/) as unknown }],
    ['x'.repeat(65), { problem: expect.stringMatching(/IANA/) as unknown }],
  ])('parses %s', (text, expected) => {
    expect(parseTimeZone(text)).toEqual(expected);
  });
});
