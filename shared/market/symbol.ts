import { z } from 'zod';

/** Symbols match this on input (any case); they are stored and returned upper case. */
export const SYMBOL_PATTERN = /^[A-Za-z0-9._-]{1,16}$/;

/** The rule in words, for every error that refuses a symbol. */
export const SYMBOL_RULE = 'must be 1-16 letters, digits, ".", "_" or "-"';

/**
 * A symbol as the platform keeps it (upper case), or undefined when `value` is not one.
 *
 * @example normalizeSymbol('brk.b') // 'BRK.B'
 */
export function normalizeSymbol(value: string): string | undefined {
  return SYMBOL_PATTERN.test(value) ? value.toUpperCase() : undefined;
}

/**
 * A symbol at any boundary (HTTP, Pub/Sub, the scheduler's body): checked, then upper-cased. A new
 * schema per call: zod copies methods onto a schema when it is made, so the api's `.openapi()`
 * exists only on schemas made after @hono/zod-openapi has extended zod.
 */
export const symbolField = () =>
  z
    .string()
    .regex(SYMBOL_PATTERN, SYMBOL_RULE)
    .transform((symbol) => symbol.toUpperCase());
