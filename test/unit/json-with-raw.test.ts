import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonWithRaw } from '../../functions/api/lib/json-with-raw.js';
import { indicatorValuesJson } from '../../functions/api/routes/indicators/indicators.serializer.js';
import type { TimedValue } from '../../shared/indicators/compute-indicator.js';
import { decimalText } from '../../shared/indicators/decimal-text.js';

const fields = fc.dictionary(
  // Integer-like keys aside: JavaScript orders them first in any object, whatever the spread order.
  fc.string().filter((key) => key !== 'raw' && key !== '__proto__' && !/^\d+$/.test(key)),
  fc.jsonValue(),
  { maxKeys: 4 },
);

describe('jsonWithRaw', () => {
  it('is the text JSON.stringify gives the object with the raw value in place', () => {
    fc.assert(
      fc.property(fields, fc.jsonValue(), fields, (before, raw, after) => {
        const tail = Object.fromEntries(Object.entries(after).filter(([key]) => !(key in before)));
        expect(jsonWithRaw(before, 'raw', JSON.stringify(raw), tail)).toBe(
          JSON.stringify({ ...before, raw, ...tail }),
        );
      }),
    );
  });
});

describe('indicatorValuesJson', () => {
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
  const value = fc.oneof(
    finite,
    fc.record({ macd: finite, signal: finite, histogram: finite }),
    fc.record({ upper: finite, middle: finite, lower: finite }),
    fc.record({ k: finite, d: finite }),
  );
  it('is JSON.stringify of the values as the api prints them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ timeMs: fc.integer({ min: 0, max: 253_402_300_799_999 }), value }), {
          maxLength: 20,
        }),
        (values: TimedValue[]) => {
          const printed = values.map(({ timeMs, value: v }) => ({
            timestamp: new Date(timeMs).toISOString(),
            value:
              typeof v === 'number'
                ? decimalText(v)
                : Object.fromEntries(Object.entries(v).map(([part, n]) => [part, decimalText(n)])),
          }));
          expect(indicatorValuesJson(values)).toBe(JSON.stringify(printed));
        },
      ),
    );
  });
});
