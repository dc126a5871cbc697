import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseValidTradeMessage } from '../../shared/schemas/trade-message-fast.js';
import { tradeMessageSchema } from '../../shared/schemas/trade-message.js';
import { poisonMessages, validTrade } from '../support/poison-corpus.js';

/** The fast path and the zod schema must agree: the same output, or both refuse. */
function expectAgreement(json: unknown) {
  const zod = tradeMessageSchema.safeParse(json);
  const fast = parseValidTradeMessage(json);
  if (zod.success) expect(fast).toEqual(zod.data);
  else expect(fast).toBeUndefined();
}

const NOW = Date.parse('2026-11-21T12:00:00Z');

/** Values for each field: valid ones and the hostile kinds the poison corpus is made of. */
const anyValue = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(null, 0, -1, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, '', ' ', 'NaN', 'Infinity'),
);
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: anyValue });
const decimalValue = fc.oneof(
  fc.constantFrom('187.23', '0.00000001', '000187.2300', '1.123456789', '0', '-1', '1e3', '12.'),
  fc.double({ min: 0, max: 1e22, noNaN: true }),
  fc.integer({ min: -5, max: 1_000_000 }),
);
const tradeValue = fc
  .record({
    trade_id: field(fc.constantFrom('AAPL-1', 'x'.repeat(128), 'x'.repeat(129), 'sp ace', 'é')),
    symbol: field(fc.constantFrom('AAPL', 'brk.b', 'BAD SYMBOL', 'X'.repeat(17), 'A$')),
    price: field(decimalValue),
    volume: field(decimalValue),
    ts: field(
      fc.constantFrom(
        '2026-11-21T11:59:57.000Z',
        '2026-11-21T11:59:57+02:00',
        '2026-02-30T00:00:00Z',
        '2026-11-21T11:59:57',
        '1969-12-31T23:59:59Z',
        '2001-01-01T00:00:00.123456Z',
      ),
    ),
  })
  .chain((trade) =>
    fc.oneof(
      { weight: 5, arbitrary: fc.constant<Record<string, unknown>>(trade) },
      { weight: 1, arbitrary: fc.constant({ ...trade, extra: 1 }) },
      { weight: 1, arbitrary: fc.constant({ ...trade, price: undefined }) },
    ),
  );
const messageValue = fc.record({
  v: field(fc.constant(1)),
  source: field(fc.constantFrom('synthetic', 'a:b.c-d', 'bad source', 's'.repeat(65))),
  trades: field(fc.array(field(tradeValue), { minLength: 0, maxLength: 4 })),
});

describe('parseValidTradeMessage (the fast path of trades.v1 validation)', () => {
  it('agrees with the zod schema on random valid and hostile messages', () => {
    fc.assert(
      fc.property(messageValue, (message) => {
        // Through JSON, as persist receives it: undefined fields vanish, as on the wire.
        expectAgreement(JSON.parse(JSON.stringify(message)));
      }),
      { numRuns: 5_000, seed: 20261121 },
    );
  });

  it('agrees with the zod schema on every poison message of the corpus', () => {
    for (const poison of poisonMessages(NOW)) {
      let json: unknown;
      try {
        json = JSON.parse(poison.payload.toString());
      } catch {
        continue; // not JSON: never reaches either
      }
      expectAgreement(json);
    }
  });

  it('accepts a valid batch itself, canonical and upper-cased, instead of leaving it to zod', () => {
    const trade = { ...validTrade(NOW), symbol: 'aapl', price: '0187.2300', volume: 1200 };
    expect(parseValidTradeMessage({ v: 1, source: 'synthetic', trades: [trade] })).toEqual({
      v: 1,
      source: 'synthetic',
      trades: [{ ...trade, symbol: 'AAPL', price: '187.23', volume: '1200' }],
    });
    expect(
      parseValidTradeMessage(JSON.parse('{"v":1,"source":"s","trades":[],"__proto__":{}}')),
    ).toBeUndefined();
  });
});
