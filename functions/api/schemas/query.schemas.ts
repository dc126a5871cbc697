import { z } from '@hono/zod-openapi';
import { INTERVAL_NAMES } from '../../../shared/market/candle-intervals.js';
import {
  INTERVAL_GRAMMAR,
  parseInterval,
  type CandleInterval,
} from '../../../shared/market/interval-grammar.js';
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
