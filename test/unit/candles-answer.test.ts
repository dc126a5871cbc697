import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candlesAnswerJson } from '../../functions/api/routes/candles/candles.serializer.js';
import type { Candle } from '../../shared/candles/candle.js';

const decimal = fc.stringMatching(/^\d{1,6}(\.\d{1,8})?$/);
const candle: fc.Arbitrary<Candle> = fc.record({
  timestamp: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  open: decimal,
  high: decimal,
  low: decimal,
  close: decimal,
  volume: decimal,
  vwap: decimal,
  trade_count: fc.nat(),
});

describe('candlesAnswerJson', () => {
  it('is the text JSON.stringify gives the whole answer, candles spliced in as rendered', () => {
    fc.assert(
      fc.property(
        fc.record({
          symbol: fc.string(),
          interval: fc.string(),
          start: fc.string(),
          end: fc.string(),
          fill: fc.constantFrom('none' as const, 'previous' as const),
          next_start: fc.option(fc.string()),
        }),
        fc.array(candle, { maxLength: 20 }),
        (fields, candles) => {
          const rendered = candles.map((c) => JSON.stringify(c));
          const answer = { ...fields, count: candles.length };
          expect(candlesAnswerJson(answer, rendered)).toBe(
            JSON.stringify({
              symbol: fields.symbol,
              interval: fields.interval,
              start: fields.start,
              end: fields.end,
              fill: fields.fill,
              count: candles.length,
              candles,
              next_start: fields.next_start,
            }),
          );
        },
      ),
    );
  });
});
