import { z } from '@hono/zod-openapi';
import { SOURCE_NAMES, SOURCE_SYMBOL_PATTERN } from '../../../../shared/sources/source-names.js';
import type { SymbolRecord } from '../../../../shared/symbols/symbols.queries.js';
import { timestampString } from '../../schemas/common.schemas.js';

/** Where a symbol's trades come from. */
export const sourceSchema = z.enum(SOURCE_NAMES).openapi({
  example: 'binance',
  description:
    'Where ingest takes the trades from: synthetic (a seeded random walk) or binance (Binance spot aggTrades)',
});

/** The provider's name for the instrument. */
export const sourceSymbolSchema = z
  .string()
  .regex(SOURCE_SYMBOL_PATTERN, 'must be 1-64 printable ASCII characters without spaces')
  .openapi({
    example: 'BTCUSDT',
    description:
      "The provider's own name for the instrument; required for any source but synthetic",
  });

/** A symbol as every route returns it (GET /symbols and the admin routes). */
export const symbolRowSchema = z
  .object({
    symbol: z.string(),
    name: z.string(),
    active: z.boolean(),
    created_at: timestampString,
    source: sourceSchema,
    source_symbol: z.string().nullable().openapi({ example: 'BTCUSDT' }),
    source_stopped: z
      .object({ reason: z.string(), at: timestampString })
      .nullable()
      .openapi({
        description:
          'Set when ingest stopped fetching the symbol because its provider refused it for good ' +
          '(an unknown instrument, a blocked region); PATCH a new source_symbol, or active: true, to retry',
      }),
  })
  .openapi('Symbol');

/**
 * A body's `source` and `source_symbol` agree: a real source names the provider's instrument, the
 * synthetic walk names none. `source_symbol` alone is refused too, so a change is never half made.
 */
export function checkSource(
  body: { source?: string | undefined; source_symbol?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (body.source_symbol !== undefined && body.source === undefined)
    ctx.addIssue({ code: 'custom', path: ['source'], message: 'give source with source_symbol' });
  else if (body.source === 'synthetic' && body.source_symbol !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['source_symbol'],
      message: 'the synthetic source has no source_symbol',
    });
  else if (
    body.source !== undefined &&
    body.source !== 'synthetic' &&
    body.source_symbol === undefined
  )
    ctx.addIssue({
      code: 'custom',
      path: ['source_symbol'],
      message: `is required for source ${body.source}`,
    });
}

/**
 * A company name: what the database accepts (1-200 characters), trimmed, with no control
 * characters (PostgreSQL text cannot hold NUL, and a name is shown to people).
 */
export const symbolNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters')
  .openapi({ example: 'Apple Inc.' });

/** A symbol as the routes print it. */
export function symbolJson(record: SymbolRecord) {
  const { symbol, name, active, createdAt, source, sourceSymbol } = record;
  const { sourceStoppedReason: reason, sourceStoppedAt: at } = record;
  return {
    symbol,
    name,
    active,
    created_at: createdAt.toISOString(),
    source,
    source_symbol: sourceSymbol,
    source_stopped: reason === null || at === null ? null : { reason, at: at.toISOString() },
  };
}
