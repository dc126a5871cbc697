import { z } from 'zod';
import { payloadBytes, type PubSubEventData } from '../../shared/messaging/pubsub-event.js';
import { parseValidTrades } from '../../shared/schemas/trade-message-fast.js';
import {
  MAX_FUTURE_SKEW_MS,
  SCHEMA_ATTRIBUTE,
  TRADES_V1,
  tradeMessageSchema,
  type TradeMessage,
} from '../../shared/schemas/trade-message.js';

/** Stable codes stored in `rejected_messages.reason`. */
export type RejectionReason =
  | 'not_a_pubsub_message'
  | 'invalid_base64'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'unsupported_schema'
  | 'invalid_message'
  | 'future_timestamp'
  | 'unknown_symbol';

export interface Rejection {
  reason: RejectionReason;
  message: string;
  details?: unknown;
}

// Where persist's modules and tests have always found them.
export {
  messageIdOf,
  payloadBytes,
  pubsubDataOf,
  type PubSubEventData,
} from '../../shared/messaging/pubsub-event.js';

export type Decoded =
  /** tsMs: each trade's instant (epoch ms), in message order, as validation parsed it. */
  { ok: true; batch: TradeMessage; tsMs: Float64Array } | ({ ok: false } & Rejection);

const utf8 = new TextDecoder('utf-8', { fatal: true });

function reject(reason: RejectionReason, message: string, details?: unknown): Decoded {
  return details === undefined
    ? { ok: false, reason, message }
    : { ok: false, reason, message, details };
}

/**
 * Turns a Pub/Sub event into a validated trades.v1 batch, or says why it can never be one.
 * Every check that does not need the database happens here, so a rejection costs no transaction.
 */
export function decodeMessage(data: PubSubEventData | undefined, nowMs: number): Decoded {
  const message = data?.message;
  // Pub/Sub allows a message with attributes only: its data is empty or absent.
  if (typeof message !== 'object' || typeof message.data !== 'string' || message.data === '') {
    return reject('not_a_pubsub_message', 'event data has no message.data');
  }
  const schema = message.attributes?.[SCHEMA_ATTRIBUTE];
  if (schema !== undefined && schema !== TRADES_V1) {
    return reject(
      'unsupported_schema',
      `attribute ${SCHEMA_ATTRIBUTE}=${schema}; expected ${TRADES_V1}`,
    );
  }
  const bytes = payloadBytes(data);
  if (bytes === undefined) return reject('invalid_base64', 'message.data is not valid base64');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return reject('invalid_utf8', 'payload is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return reject(
      'invalid_json',
      `payload is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof json === 'object' && json !== null && 'v' in json && json.v !== 1) {
    return reject('unsupported_schema', `payload version v=${JSON.stringify(json.v)}; expected 1`);
  }
  const fast = parseValidTrades(json);
  const parsed =
    fast === undefined
      ? tradeMessageSchema.safeParse(json)
      : { success: true as const, data: fast.batch };
  if (!parsed.success) {
    return reject(
      'invalid_message',
      z.prettifyError(parsed.error).slice(0, 1_000),
      parsed.error.issues.slice(0, 20),
    );
  }
  const latestAllowed = nowMs + MAX_FUTURE_SKEW_MS;
  // The fast path knows its latest timestamp: every trade is read again only when one is too late.
  const future =
    fast !== undefined && fast.latestTsMs <= latestAllowed
      ? []
      : parsed.data.trades.filter((trade) => Date.parse(trade.ts) > latestAllowed);
  if (future.length > 0) {
    return reject(
      'future_timestamp',
      `${future.length} trade(s) more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future`,
      future.slice(0, 20).map(({ trade_id, ts }) => ({ trade_id, ts })),
    );
  }
  return {
    ok: true,
    batch: parsed.data,
    tsMs: fast?.tsMs ?? Float64Array.from(parsed.data.trades, (trade) => Date.parse(trade.ts)),
  };
}
