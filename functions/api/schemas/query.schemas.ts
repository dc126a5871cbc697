import { z } from '@hono/zod-openapi';
import { INTERVAL_NAMES } from '../../../shared/market/candle-intervals.js';
import {
  CANDLE_INTERVAL_GRAMMAR,
  INTERVAL_GRAMMAR,
  parseCandleInterval,
  parseInterval,
  type CalendarInterval,
  type CandleInterval,
} from '../../../shared/market/interval-grammar.js';
import { parseTimeZone } from '../../../shared/market/time-zone.js';
import { parseZonedTimestamp } from '../../../shared/market/timestamp.js';

const EPOCH_MS = /^\d{1,15}$/;
/**
 * The last instant a query may name, 9999-12-31T23:59:59.999Z: a later Date is written
 * "+010000-01-01T…", which PostgreSQL cannot read.
 */
const MAX_TIMESTAMP_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A timestamp query parameter: ISO 8601 with a timezone (`Z` or `±hh:mm`) or epoch milliseconds.
 * A timestamp without a zone is refused: guessing the zone would shift a window by hours.
 */
export const timestampParam = (description: string) =>
  z
    .string()
    .transform((value, ctx) => {
      const ms = EPOCH_MS.test(value) ? Number(value) : (parseZonedTimestamp(value) ?? Number.NaN);
      if (Number.isNaN(ms) || ms < 0 || ms > MAX_TIMESTAMP_MS) {
        ctx.addIssue({
          code: 'custom',
          message:
            'must be ISO 8601 with a timezone (e.g. 2026-11-21T16:00:00Z) or epoch milliseconds, from 1970 to 9999',
        });
        return z.NEVER;
      }
      return new Date(ms);
    })
    .optional()
    .openapi({ type: 'string', example: '2026-11-21T16:00:00Z', description });

/**
 * `as_of`: answer as the platform knew it at that instant — trades stored after it are left out —
 * so an audit reproduces yesterday's figure after late trades arrived. Not in the future: that
 * answer would change as trades arrive, which is what as_of exists to prevent.
 */
export const asOfParam = timestampParam(
  'Answer as the platform knew it at this instant: trades stored after it are left out. ' +
    'ISO 8601 with a timezone or epoch milliseconds, not in the future',
).refine((asOf) => asOf === undefined || asOf.getTime() <= Date.now(), {
  message: 'must not be in the future',
});

/** `limit`: a whole number from 1 to `max`, `fallback` when absent. */
export const limitParam = (fallback: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/, `must be a whole number from 1 to ${max}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `must be from 1 to ${max}`)
    .optional()
    .transform((n) => n ?? fallback)
    .openapi({
      type: 'integer',
      example: fallback,
      description: `Default ${fallback}, maximum ${max}`,
    });

export const orderParam = z
  .enum(['asc', 'desc'])
  .optional()
  .transform((order) => order ?? 'desc')
  .openapi({
    type: 'string',
    enum: ['asc', 'desc'],
    description: 'Newest first (desc, default) or oldest first (asc)',
  });

/** `interval`: N × unit (interval-grammar.ts), parsed to its canonical name and length. */
export const intervalParam = z
  .string()
  .transform((value, ctx): CandleInterval => {
    const parsed = parseInterval(value);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed;
  })
  .openapi({
    type: 'string',
    pattern: '^[1-9][0-9]{0,3}[smhdw]$',
    example: '1m',
    description: `${INTERVAL_GRAMMAR}. Buckets are counted from Monday 1970-01-05T00:00Z, so minutes start on the minute, days at 00:00Z and weeks on Monday; the named ${INTERVAL_NAMES.join(' ')} are kept once closed, any other length is computed from the trades each time`,
  });

/**
 * `interval` on /candles: the fixed lengths of intervalParam and calendar months and years, which
 * the routes that need a fixed length (/indicators, /stream) refuse.
 */
export const candleIntervalParam = z
  .string()
  .transform((value, ctx): CandleInterval | CalendarInterval => {
    const parsed = parseCandleInterval(value);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed;
  })
  .openapi({
    type: 'string',
    pattern: '^[1-9][0-9]{0,3}[smhdwMy]$',
    example: '1m',
    description:
      `${CANDLE_INTERVAL_GRAMMAR}. In UTC (the default timezone) fixed lengths are counted from Monday 1970-01-05T00:00Z, ` +
      'so minutes start on the minute, days at 00:00Z and weeks on Monday; ' +
      `the named ${INTERVAL_NAMES.join(' ')} are kept once closed, any other length is computed from the trades each time. ` +
      'M is a calendar month counted from 1970-01 (3M are quarters from January, 6M halves), y a calendar year counted from 1970 (2y starts on even years); ' +
      'both start on the 1st at midnight in `timezone` and are computed each time. ' +
      'With a timezone other than UTC: d and w start at local midnight (N days and weeks counted from Monday 1970-01-05 local, weeks on Monday), ' +
      's, m and h (at most 24 hours) are fixed lengths of elapsed time counted from each local midnight, the last bucket of a local day ending at the next local midnight ' +
      '(shorter when the length does not divide that day, e.g. 5h, or on a 23- or 25-hour DST day); all computed each time',
  });

/**
 * `timezone` on /candles: an IANA zone name, checked here against Node's time-zone data and by the
 * route against PostgreSQL's (databaseKnowsTimeZone).
 */
export const timeZoneParam = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseTimeZone(value);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed.zone;
  })
  .optional()
  .openapi({
    type: 'string',
    example: 'America/New_York',
    description:
      'IANA time zone of the buckets (default UTC, where the answer is unchanged). Days, weeks, months and years start at local midnight, ' +
      'DST-correct: a local day lasts 23, 24 or 25 hours, and starts at its first instant (01:00 where a DST change skips midnight, the first of two ' +
      'midnights where it repeats one). Timestamps stay UTC; each candle gains `localStart`, its local start with its offset. ' +
      'Only names both the api’s (ICU) and PostgreSQL’s time-zone data know are accepted: not offsets (+05:00), abbreviations (EST is accepted as the ' +
      'tz database’s fixed -05:00 zone, IST is refused: ICU reads India, PostgreSQL Israel), nor PostgreSQL’s Factory',
  });

/** The query of a bucketed route (/candles, /indicators) besides the symbol. */
export const bucketRangeQuery = {
  interval: intervalParam,
  start: timestampParam('Inclusive; default: end minus limit buckets'),
  end: timestampParam('Exclusive; default: now'),
  limit: limitParam(500, 5_000),
  fill: z
    .enum(['none', 'previous'])
    .optional()
    .transform((fill) => fill ?? 'none')
    .openapi({
      type: 'string',
      enum: ['none', 'previous'],
      description:
        'none (default): empty buckets omitted; previous: zero-volume candles at the previous close',
    }),
};
