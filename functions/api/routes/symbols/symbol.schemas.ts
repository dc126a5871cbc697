import { z } from '@hono/zod-openapi';
import type { SymbolRecord } from '../../../../shared/symbols/symbols.queries.js';
import { timestampString } from '../../schemas/common.schemas.js';

/** A symbol as every route returns it (GET /symbols and the admin routes). */
export const symbolRowSchema = z
  .object({
    symbol: z.string(),
    name: z.string(),
    active: z.boolean(),
    created_at: timestampString,
  })
  .openapi('Symbol');

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
export function symbolJson({ symbol, name, active, createdAt }: SymbolRecord) {
  return { symbol, name, active, created_at: createdAt.toISOString() };
}
