import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { payloadBytes } from '../../shared/messaging/pubsub-event.js';

/** The rule payloadBytes keeps: canonical-alphabet base64, padded, nothing else. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const payload = (data: string) => payloadBytes({ message: { data } });

describe('payloadBytes', () => {
  it('takes exactly the base64 the pattern takes, whatever the characters and their places', () => {
    // Mostly base64 characters, with the ones Buffer.from would skip or read otherwise mixed in.
    const char = fc.oneof(
      { weight: 20, arbitrary: fc.constantFrom(...'ABCXYZabcxyz0189+/'.split('')) },
      { weight: 2, arbitrary: fc.constant('=') },
      { weight: 1, arbitrary: fc.constantFrom('-', '_', ' ', '\n', '.', '!', 'é', '\u0000') },
    );
    fc.assert(
      fc.property(fc.array(char, { maxLength: 24 }), (chars) => {
        const text = chars.join('');
        const bytes = payload(text);
        expect(bytes !== undefined).toBe(BASE64.test(text));
        if (bytes !== undefined) expect(bytes.equals(Buffer.from(text, 'base64'))).toBe(true);
      }),
      { numRuns: 50_000 },
    );
  });

  it('decodes any bytes Pub/Sub encoded', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (raw) => {
        const bytes = Buffer.from(raw);
        expect(payload(bytes.toString('base64'))?.equals(bytes)).toBe(true);
      }),
    );
  });

  it.each(['QQ', 'QQ=', 'QQ=A', 'Q===', 'QQ-_', 'QQ==QQ==', ' QQ==', 'QUJD\n'])(
    '%j is not base64',
    (text) => {
      expect(payload(text)).toBeUndefined();
    },
  );
});
