import { z } from 'zod';
import { symbolField } from '../../shared/market/symbol.js';

/**
 * The scheduler's request body. Empty (or `{}`) means "every active symbol, up to now".
 * `until` replays a past window (tests, backfills); it may not be in the future.
 */
export const ingestRequestSchema = z.strictObject({
  symbols: z.array(symbolField()).min(1).max(1_000).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});

export type IngestRequest = z.output<typeof ingestRequestSchema>;
