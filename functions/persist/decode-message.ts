import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseValidTradeMessage } from '../../shared/schemas/trade-message-fast.js';
import {
  MAX_FUTURE_SKEW_MS,
  SCHEMA_ATTRIBUTE,
  TRADES_V1,
  tradeMessageSchema,
  type TradeMessage,
} from '../../shared/schemas/trade-message.js';

/** The `data` of a Pub/Sub `messagePublished` CloudEvent (and of a push request body). */
export interface PubSubEventData {
  message?: {
    data?: string;
    attributes?: Record<string, string>;
    messageId?: string;
    publishTime?: string;
  };
  subscription?: string;
}

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

export type Decoded = { ok: true; batch: TradeMessage } | ({ ok: false } & Rejection);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The message's payload bytes, when its data is valid base64 (Buffer.from alone silently skips bad characters). */
export function payloadBytes(data: PubSubEventData | undefined): Buffer | undefined {
  const encoded = data?.message?.data;
  return typeof encoded === 'string' && BASE64.test(encoded)
    ? Buffer.from(encoded, 'base64')
    : undefined;
}

/**
 * The Pub/Sub data of a persist event. The Functions Framework turns a push into a CloudEvent only
 * when the push has a subscription and its message a messageId and non-empty data; any other push
 * (a message with attributes only, which Pub/Sub allows) reaches the function as the raw push
 * body, with neither `data` nor `id`. Without this, such a message could not even be recorded.
 */
export function pubsubDataOf(event: {
  data?: PubSubEventData | undefined;
}): PubSubEventData | undefined {
  if (event.data !== undefined) return event.data;
  const message: unknown = 'message' in event ? event.message : undefined;
  if (typeof message !== 'object' || message === null) return undefined;
  const subscription: unknown = 'subscription' in event ? event.subscription : undefined;
  // Any JSON may stand in `message`: decodeMessage and messageIdOf read it through typeof checks.
  return { message, ...(typeof subscription === 'string' ? { subscription } : {}) };
}

/**
 * The message's id: Pub/Sub's messageId, else the CloudEvent id, else (a forged push that has
 * neither) a hash of what it carried, so that its redeliveries are still one rejected row.
 */
export function messageIdOf(
  event: { id?: string | undefined },
  data: PubSubEventData | undefined,
): string {
  const messageId: unknown = data?.message?.messageId;
  if (typeof messageId === 'string' && messageId !== '') return messageId;
  const eventId: unknown = event.id;
  if (typeof eventId === 'string' && eventId !== '') return eventId;
  return `unidentified-${createHash('sha256')
    .update(JSON.stringify(data ?? null))
    .digest('hex')}`;
}

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
  const fast = parseValidTradeMessage(json);
  const parsed =
    fast === undefined
      ? tradeMessageSchema.safeParse(json)
      : { success: true as const, data: fast };
  if (!parsed.success) {
    return reject(
      'invalid_message',
      z.prettifyError(parsed.error).slice(0, 1_000),
      parsed.error.issues.slice(0, 20),
    );
  }
  const latestAllowed = nowMs + MAX_FUTURE_SKEW_MS;
  const future = parsed.data.trades.filter((trade) => Date.parse(trade.ts) > latestAllowed);
  if (future.length > 0) {
    return reject(
      'future_timestamp',
      `${future.length} trade(s) more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes in the future`,
      future.slice(0, 20).map(({ trade_id, ts }) => ({ trade_id, ts })),
    );
  }
  return { ok: true, batch: parsed.data };
}
