import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isoTimestamp,
  parseZonedTimestamp,
  parseZonedTimestampByPattern,
} from '../../shared/market/timestamp.js';

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

  it('is Date.parse for every valid timestamp, any zone and fraction, years 0000 to 9999', () => {
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    const timestamp = fc
      .record({
        ms: fc.integer({ min: -62_167_219_200_000, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
        fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
        withSeconds: fc.boolean(),
        offset: fc.option(fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), {
          nil: undefined,
        }),
      })
      .map(({ ms, fraction, withSeconds, offset }) => {
        const local = new Date(ms + (offset ?? 0) * 60_000);
        if (local.getUTCFullYear() < 0 || local.getUTCFullYear() > 9999) return undefined;
        const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}`;
        const time = `${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}`;
        const seconds = withSeconds
          ? `:${pad(local.getUTCSeconds(), 2)}${fraction === undefined ? '' : `.${fraction}`}`
          : '';
        const zone =
          offset === undefined
            ? 'Z'
            : `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60), 2)}:${pad(Math.abs(offset) % 60, 2)}`;
        return `${date}T${time}${seconds}${zone}`;
      });
    fc.assert(
      fc.property(timestamp, (text) => {
        if (text === undefined) return;
        expect(parseZonedTimestamp(text)).toBe(Date.parse(text));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('parseZonedTimestamp read by character codes', () => {
  // The usual form takes a path of its own; the pattern is the rule. Near misses of that form
  // (a character changed, dropped or added anywhere) must get the pattern's answer, refusals too.
  const utc = fc
    .record({
      ms: fc.integer({ min: -62_167_219_200_000, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
      fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
    })
    .map(({ ms, fraction }) => {
      const iso = new Date(ms).toISOString(); // always milliseconds; the fraction replaces them
      return fraction === undefined ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 19)}.${fraction}Z`;
    })
    .filter((text) => !text.startsWith('-') && !text.startsWith('+'));
  const edit = fc.record({
    at: fc.nat(),
    how: fc.constantFrom('replace', 'drop', 'insert', 'none'),
    char: fc.constantFrom(...'0123456789-:.TZz+ x/'.split(''), '0', '9'),
  });

  it('agrees with the pattern on the usual form and its near misses', () => {
    fc.assert(
      fc.property(utc, edit, (text, { at, how, char }) => {
        const i = at % (text.length + 1);
        const edited =
          how === 'replace'
            ? text.slice(0, i) + char + text.slice(i + 1)
            : how === 'drop'
              ? text.slice(0, i) + text.slice(i + 1)
              : how === 'insert'
                ? text.slice(0, i) + char + text.slice(i)
                : text;
        expect(parseZonedTimestamp(edited)).toBe(parseZonedTimestampByPattern(edited));
      }),
      { numRuns: 50_000 },
    );
  });

  it.each([
    ['2026-11-21T16:00:00.5Z', '2026-11-21T16:00:00.500Z'],
    ['2026-11-21T16:00:00.05Z', '2026-11-21T16:00:00.050Z'],
    ['2026-11-21T16:00:00.123456789Z', '2026-11-21T16:00:00.123Z'],
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'],
  ])('%s is %s', (input, expected) => {
    expect(new Date(parseZonedTimestamp(input) ?? Number.NaN).toISOString()).toBe(expected);
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
