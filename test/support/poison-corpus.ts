/**
 * Messages persist must refuse, each with the reason it records: the same corpus is decoded in the
 * unit test (test/unit/decode-message.test.ts) and published to the real Pub/Sub emulator in the
 * end-to-end test (test/e2e/poison-corpus.test.ts).
 */
import type { PubSubEventData, RejectionReason } from '../../functions/persist/decode-message.js';

/** A message a publisher can send through Pub/Sub: its bytes and attributes. */
export interface PoisonMessage {
  name: string;
  /** message.data before base64 (what the publisher passes to publishMessage). */
  payload: Buffer;
  attributes: Record<string, string>;
  reason: RejectionReason;
}

/** A push body Pub/Sub itself would never produce (a broken or forged push): sent straight to persist. */
export interface PoisonPush {
  name: string;
  /** The event data persist receives (the push body's `message` and `subscription`). */
  data: PubSubEventData | undefined;
  reason: RejectionReason;
}

const TRADES_V1 = { schema: 'trades.v1' };

/** A valid trade of a symbol every test database knows, a few seconds before `nowMs`. */
export function validTrade(nowMs: number, tradeId = 'AAPL-1') {
  return {
    trade_id: tradeId,
    symbol: 'AAPL',
    price: '187.23',
    volume: '1200',
    ts: new Date(Math.floor(nowMs / 1_000) * 1_000 - 3_000).toISOString(),
  };
}

/**
 * The poison kinds that travel through Pub/Sub, for a receiver whose clock reads `nowMs` (a
 * future timestamp is relative to it). Every payload is distinct, so none is a copy of another.
 */
export function poisonMessages(nowMs: number): PoisonMessage[] {
  const trade = validTrade(nowMs);
  const withTrade = (overrides: Record<string, unknown>) => ({
    v: 1,
    source: 'synthetic',
    trades: [{ ...trade, ...overrides }],
  });
  const json = (
    name: string,
    value: unknown,
    reason: RejectionReason = 'invalid_message',
    attributes: Record<string, string> = TRADES_V1,
  ): PoisonMessage => ({
    name,
    payload: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    attributes,
    reason,
  });
  return [
    {
      name: 'bytes that are not UTF-8',
      payload: Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
      attributes: TRADES_V1,
      reason: 'invalid_utf8',
    },
    json('text that is not JSON', '{"v":1,', 'invalid_json'),
    json('a JSON number with trailing garbage', '1 2', 'invalid_json'),
    json('deep nesting', '['.repeat(100_000) + ']'.repeat(100_000)),
    json('another schema attribute', withTrade({}), 'unsupported_schema', { schema: 'quotes.v1' }),
    json('another version', { ...withTrade({}), v: 2 }, 'unsupported_schema'),
    json('a JSON array', [trade]),
    json('JSON null', null),
    json('no trades', { v: 1, source: 'synthetic', trades: [] }),
    json('a missing field', {
      v: 1,
      source: 'synthetic',
      trades: [{ ...trade, price: undefined }],
    }),
    json('a missing source', { v: 1, trades: [trade] }),
    json('an extra field', withTrade({ venue: 'XNAS' })),
    json('an extra top-level field', { ...withTrade({}), extra: true }),
    json('a NUL character in a key', withTrade({ 'evil\u0000key': 1 })),
    json('price zero', withTrade({ price: '0' })),
    json('price negative', withTrade({ price: -1 })),
    json('price text', withTrade({ price: 'cheap' })),
    json('price NaN (as text)', withTrade({ price: 'NaN' })),
    json('price Infinity (as text)', withTrade({ price: 'Infinity' })),
    json(
      'price Infinity (as a huge number)',
      `{"v":1,"source":"s","trades":[{"trade_id":"A-1","symbol":"AAPL","price":1e999,"volume":"1","ts":"${trade.ts}"}]}`,
    ),
    json('too many decimals', withTrade({ price: '1.123456789' })),
    json('price too large for NUMERIC(28, 8)', withTrade({ price: '1'.repeat(21) })),
    json('price with an exponent (as text)', withTrade({ price: '1e3' })),
    json('negative volume', withTrade({ volume: '-5' })),
    json('an invalid symbol', withTrade({ symbol: 'AA PL' })),
    json('an overlong symbol', withTrade({ symbol: 'A'.repeat(17) })),
    json('an unparsable timestamp', withTrade({ ts: 'yesterday' })),
    json('a timestamp without a timezone', withTrade({ ts: trade.ts.replace(/Z$/, '') })),
    json('a date the calendar does not have', withTrade({ ts: '2026-02-30T10:00:00Z' })),
    json('an hour that does not exist', withTrade({ ts: '2026-11-21T24:00:00Z' })),
    json(
      'a far-future timestamp',
      withTrade({ ts: new Date(nowMs + 24 * 3_600_000).toISOString() }),
      'future_timestamp',
    ),
    json('a null entry', { v: 1, source: 'synthetic', trades: [trade, null] }),
    json('a batch mixing good and bad trades', {
      v: 1,
      source: 's',
      trades: [trade, { ...trade, trade_id: 'AAPL-2', price: '-1' }],
    }),
    json('an oversized batch', {
      v: 1,
      source: 's',
      trades: Array.from({ length: 5_001 }, (_, i) => ({ ...trade, trade_id: `A-${i}` })),
    }),
  ];
}

/** The poison kinds only a broken or forged push can carry: Pub/Sub always sends base64 data. */
export const poisonPushes: PoisonPush[] = [
  { name: 'no message at all', data: undefined, reason: 'not_a_pubsub_message' },
  {
    name: 'a message without data',
    data: { message: { messageId: 'forged-no-data' } },
    reason: 'not_a_pubsub_message',
  },
  {
    name: 'data that is not base64',
    data: { message: { data: 'not base64!', messageId: 'forged-not-base64' } },
    reason: 'invalid_base64',
  },
];

/** The event data persist receives for a message published with `payload` and `attributes`. */
export function eventDataOf(
  { payload, attributes }: Pick<PoisonMessage, 'payload' | 'attributes'>,
  messageId = 'm-1',
): PubSubEventData {
  return {
    message: { data: payload.toString('base64'), attributes, messageId },
    subscription: 'projects/local/subscriptions/persist',
  };
}
