import { z } from 'zod';
import { SYMBOL_PATTERN } from '../../shared/config/default-symbols.js';

/**
 * The scheduler's request body. Empty (or `{}`) means "every active symbol, up to now".
 * `until` replays a past window (tests, backfills); it may not be in the future.
 */
export const ingestRequestSchema = z.strictObject({
  symbols: z
    .array(
      z
        .string()
        .regex(SYMBOL_PATTERN)
        .transform((symbol) => symbol.toUpperCase()),
    )
    .min(1)
    .max(1_000)
    .optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});

export type IngestRequest = z.output<typeof ingestRequestSchema>;
