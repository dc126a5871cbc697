import { describe, expect, it } from 'vitest';
import { decodeMessage, type PubSubEventData } from '../../functions/persist/decode-message.js';
import { eventDataOf, poisonMessages, poisonPushes, validTrade } from '../support/poison-corpus.js';

const NOW = Date.parse('2026-11-21T16:00:00.000Z');
const trade = validTrade(NOW);

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
      tsMs: Float64Array.of(Date.parse(trade.ts)),
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
  it('at least 30 kinds of poison, each distinct', () => {
    const corpus = [...poisonMessages(NOW), ...poisonPushes];
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    expect(new Set(corpus.map((kind) => kind.name)).size).toBe(corpus.length);
  });

  it.each(poisonMessages(NOW).map((kind) => [kind.name, kind] as const))(
    '%s',
    (_name, { payload, attributes, reason }) => {
      const decoded = decodeMessage(eventDataOf({ payload, attributes }), NOW);
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) expect(decoded.reason).toBe(reason);
    },
  );

  it.each(poisonPushes.map((kind) => [kind.name, kind] as const))(
    '%s (a forged push)',
    (_name, { data, reason }) => {
      const decoded = decodeMessage(data, NOW);
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) expect(decoded.reason).toBe(reason);
    },
  );
});
