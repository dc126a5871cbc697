import { describe, expect, it } from 'vitest';
import { decodeMessage, type PubSubEventData } from '../../functions/persist/decode-message.js';

const NOW = Date.parse('2026-11-21T16:00:00.000Z');
const trade = {
  trade_id: 'AAPL-1',
  symbol: 'AAPL',
  price: '187.23',
  volume: '1200',
  ts: '2026-11-21T15:59:57.000Z',
};

const event = (
  payload: unknown,
  attributes: Record<string, string> = { schema: 'trades.v1' },
): PubSubEventData => ({
  message: {
    data: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString(
      'base64',
    ),
    attributes,
    messageId: 'm-1',
  },
  subscription: 'projects/local/subscriptions/persist',
});

const withTrade = (overrides: Record<string, unknown>) => ({
  v: 1,
  source: 'synthetic',
  trades: [{ ...trade, ...overrides }],
});

describe('decodeMessage accepts', () => {
  it('a trades.v1 batch, canonicalizing decimals and symbols', () => {
    const decoded = decodeMessage(
      event(withTrade({ symbol: 'aapl', price: 187.23, volume: '1200.000' })),
      NOW,
    );
    expect(decoded).toEqual({
      ok: true,
      batch: {
        v: 1,
        source: 'synthetic',
        trades: [{ ...trade, symbol: 'AAPL', price: '187.23', volume: '1200' }],
      },
    });
  });

  it.each([
    ['a historical timestamp (a replayed tape)', { ts: '1999-01-04T14:30:00Z' }],
    ['a timestamp with an offset', { ts: '2026-11-21T16:59:57+01:00' }],
    ['a tiny crypto price', { price: '0.00000123' }],
    ['a timestamp a minute ahead (clock skew)', { ts: '2026-11-21T16:01:00Z' }],
  ])('%s', (_name, overrides) => {
    expect(decodeMessage(event(withTrade(overrides)), NOW).ok).toBe(true);
  });

  it('a message without the schema attribute (the payload version decides)', () => {
    expect(decodeMessage(event(withTrade({}), {}), NOW).ok).toBe(true);
  });
});

describe('decodeMessage rejects, naming the reason', () => {
  const raw = (data: string): PubSubEventData => ({ message: { data, messageId: 'm-2' } });
  it.each<[string, PubSubEventData | undefined, string]>([
    ['no message at all', undefined, 'not_a_pubsub_message'],
    ['a message without data', { message: { messageId: 'x' } }, 'not_a_pubsub_message'],
    ['data that is not base64', raw('not base64!'), 'invalid_base64'],
    [
      'bytes that are not UTF-8',
      raw(Buffer.from([0xff, 0xfe, 0x00]).toString('base64')),
      'invalid_utf8',
    ],
    ['text that is not JSON', event('{"v":1,'), 'invalid_json'],
    ['deep nesting', event('['.repeat(100_000) + ']'.repeat(100_000)), 'invalid_message'],
    [
      'another schema attribute',
      event(withTrade({}), { schema: 'quotes.v1' }),
      'unsupported_schema',
    ],
    ['another version', event({ ...withTrade({}), v: 2 }), 'unsupported_schema'],
    ['a JSON array', event([trade]), 'invalid_message'],
    ['no trades', event({ v: 1, source: 'synthetic', trades: [] }), 'invalid_message'],
    [
      'a missing field',
      event({ v: 1, source: 'synthetic', trades: [{ ...trade, price: undefined }] }),
      'invalid_message',
    ],
    ['an extra field', event(withTrade({ venue: 'XNAS' })), 'invalid_message'],
    ['an extra top-level field', event({ ...withTrade({}), extra: true }), 'invalid_message'],
    ['price zero', event(withTrade({ price: '0' })), 'invalid_message'],
    ['price negative', event(withTrade({ price: -1 })), 'invalid_message'],
    ['price text', event(withTrade({ price: 'cheap' })), 'invalid_message'],
    ['price NaN (as text)', event(withTrade({ price: 'NaN' })), 'invalid_message'],
    [
      'price Infinity (as a huge number)',
      event(
        '{"v":1,"source":"s","trades":[{"trade_id":"A-1","symbol":"AAPL","price":1e999,"volume":"1","ts":"2026-11-21T15:00:00Z"}]}',
      ),
      'invalid_message',
    ],
    ['too many decimals', event(withTrade({ price: '1.123456789' })), 'invalid_message'],
    ['negative volume', event(withTrade({ volume: '-5' })), 'invalid_message'],
    ['an invalid symbol', event(withTrade({ symbol: 'AA PL' })), 'invalid_message'],
    ['an overlong symbol', event(withTrade({ symbol: 'A'.repeat(17) })), 'invalid_message'],
    ['an unparsable timestamp', event(withTrade({ ts: 'yesterday' })), 'invalid_message'],
    [
      'a timestamp without a timezone',
      event(withTrade({ ts: '2026-11-21T15:00:00' })),
      'invalid_message',
    ],
    [
      'a date the calendar does not have',
      event(withTrade({ ts: '2026-02-30T10:00:00Z' })),
      'invalid_message',
    ],
    [
      'an hour that does not exist',
      event(withTrade({ ts: '2026-11-21T24:00:00Z' })),
      'invalid_message',
    ],
    [
      'a far-future timestamp',
      event(withTrade({ ts: '2027-01-01T00:00:00Z' })),
      'future_timestamp',
    ],
    [
      'a null entry',
      event({ v: 1, source: 'synthetic', trades: [trade, null] }),
      'invalid_message',
    ],
    [
      'a batch mixing good and bad trades',
      event({ v: 1, source: 's', trades: [trade, { ...trade, trade_id: 'AAPL-2', price: '-1' }] }),
      'invalid_message',
    ],
    [
      'an oversized batch',
      event({
        v: 1,
        source: 's',
        trades: Array.from({ length: 5_001 }, (_, i) => ({ ...trade, trade_id: `A-${i}` })),
      }),
      'invalid_message',
    ],
  ])('%s', (_name, data, reason) => {
    const decoded = decodeMessage(data, NOW);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toBe(reason);
  });
});
