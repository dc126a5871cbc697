/**
 * textArrayLiteral (shared/db/text-array-literal.ts) against PostgreSQL's own array_in: whatever
 * the strings, the array the database reads is the one given.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textArrayLiteral } from '../../shared/db/text-array-literal.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const readBack = async (values: string[]) => {
  const [row] = await db.sql<{ values: string[] }[]>`
    select ${textArrayLiteral(values, (v) => v)}::text[] as values`;
  return row?.values;
};

describe('textArrayLiteral', () => {
  it('is read back as the same strings, quoted only where it must be', async () => {
    expect(await readBack(['AAPL', '187.23', '2026-11-29T18:00:00.123Z'])).toEqual([
      'AAPL',
      '187.23',
      '2026-11-29T18:00:00.123Z',
    ]);
    expect(textArrayLiteral(['AAPL', '187.23'], (v) => v)).toBe('{AAPL,187.23}');
    const awkward = ['', 'NULL', 'null', 'Null', 'a,b', 'a b', ' lead', 'trail ', 'q"q', 'b\\s'];
    expect(await readBack(awkward)).toEqual(awkward);
    expect(await readBack(['{x}', '}', '{', '\t', 'x\ny', 'NULLS', '"', '\\'])).toEqual([
      '{x}',
      '}',
      '{',
      '\t',
      'x\ny',
      'NULLS',
      '"',
      '\\',
    ]);
    expect(await readBack([])).toEqual([]);
  });

  it('holds for any printable strings', async () => {
    const text = fc.string({
      unit: fc.constantFrom(...' !"#$%&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~\t\nNULnul'.split('')),
      maxLength: 12,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(text, { maxLength: 20 }), async (values) => {
        expect(await readBack(values)).toEqual(values);
      }),
      { numRuns: 300 },
    );
  });
});
