import { z } from 'zod';
import { canonicalPositiveDecimal } from '../market/decimal.js';
import { symbolField } from '../market/symbol.js';
import { parseZonedTimestamp } from '../market/timestamp.js';

/** Pub/Sub attribute naming the payload's schema; messages that carry another value are rejected. */
export const SCHEMA_ATTRIBUTE = 'schema';
export const TRADES_V1 = 'trades.v1';
/** Trades per message, beyond which a message is rejected rather than written in one oversized transaction. */
export const MAX_TRADES_PER_MESSAGE = 5_000;
/** How far in the future a trade's timestamp may be (clock skew between publishers and us). */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/** Shared with the fast path (trade-message-fast.ts), so both apply the same rules. */
export const TRADE_ID_PATTERN = /^[\x21-\x7E]{1,128}$/;
export const SOURCE_PATTERN = /^[\w.:-]{1,64}$/;

/** A trade's timestamp: ISO 8601 with a zone, on a real calendar day, not before 1970. */
export function isValidTradeTimestamp(ts: string): boolean {
  return parseZonedTimestamp(ts) !== undefined && Date.parse(ts) >= 0;
}

const positiveDecimal = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const result = canonicalPositiveDecimal(value);
  if ('problem' in result) {
    ctx.addIssue({
      code: 'custom',
      message: result.problem.replaceAll('_', ' '),
      params: { problem: result.problem },
    });
    return z.NEVER;
  }
  return result.value;
});

export const tradeSchema = z.strictObject({
  trade_id: z.string().regex(TRADE_ID_PATTERN, 'must be 1-128 printable ASCII characters'),
  symbol: symbolField(),
  price: positiveDecimal,
  volume: positiveDecimal,
  ts: z
    .string()
    .refine(
      (ts) => parseZonedTimestamp(ts) !== undefined,
      'must be an ISO 8601 date-time with a timezone, on a real calendar day',
    )
    .refine((ts) => Date.parse(ts) >= 0, 'must not be before 1970-01-01T00:00:00Z'),
});

/**
 * A trades.v1 message: `{ v: 1, source, trades: [...] }`. Strict: an unknown field means a
 * producer speaks another contract, and guessing would store wrong data.
 */
export const tradeMessageSchema = z.strictObject({
  v: z.literal(1),
  source: z.string().regex(SOURCE_PATTERN, 'must be 1-64 word characters'),
  trades: z.array(tradeSchema).min(1).max(MAX_TRADES_PER_MESSAGE),
});

/** What publishers send (decimals may still be JSON numbers). */
export type TradeMessageInput = z.input<typeof tradeMessageSchema>;
/** What persist writes: canonical decimal strings, upper-case symbols. */
export type TradeMessage = z.output<typeof tradeMessageSchema>;
export type Trade = TradeMessage['trades'][number];
