import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { captureLogger } from '../support/capture-logger.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const RANGE = `start=${new Date(T0).toISOString()}&end=${new Date(T0 + 3_600_000).toISOString()}`;

interface Page {
  trades: { trade_id: string; timestamp: string; price: string }[];
  next_cursor: string | null;
  count: number;
}

/** Trades at random seconds of the hour, many sharing a timestamp, with µs offsets too. */
async function seed(symbol: string, count: number, prefix: string) {
  const offsets = fc.sample(fc.integer({ min: 0, max: 3_599 }), { numRuns: count, seed: 42 });
  const rows = offsets.map((seconds, i) => ({
    trade_id: `${prefix}-${i}`,
    symbol,
    price: `${100 + (i % 7)}.${String(i % 100).padStart(2, '0')}`,
    volume: '10',
    ts: new Date(T0 + seconds * 1_000).toISOString().replace('Z', i % 5 === 0 ? '123Z' : 'Z'),
    source: 'test',
  }));
  // Through text: the client would send timestamptz parameters via a JS Date, dropping the µs.
  await db.sql`
    insert into trades (trade_id, symbol, price, volume, ts, source)
    select t.trade_id, t.symbol, t.price::numeric, t.volume::numeric, t.ts::timestamptz, t.source
    from json_to_recordset(${JSON.stringify(rows)}::text::json)
      as t(trade_id text, symbol text, price text, volume text, ts text, source text)`;
}

async function walk(
  query: string,
  onPage: (n: number) => Promise<void> = async () => {},
): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 1_000; n++) {
    const response = await app.request(
      `/trades?${query}${cursor === null ? '' : `&cursor=${cursor}`}`,
    );
    expect(response.status).toBe(200);
    const page = (await response.json()) as Page;
    seen.push(...page.trades.map((t) => t.trade_id));
    cursor = page.next_cursor;
    if (cursor === null) return seen;
    await onPage(n);
  }
  throw new Error('pagination did not end');
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple'), ('MSFT', 'Microsoft'), ('EMPTY', 'No trades')`;
  await seed('AAPL', 400, 'A');
  await seed('MSFT', 50, 'M');
  app = createApp({ sql: db.sql, logger: captureLogger().logger });
});
afterAll(() => db.drop());

const expected = async (order: 'asc' | 'desc') =>
  (
    await db.sql<{ trade_id: string }[]>`
      select trade_id from trades where symbol = 'AAPL' and ts >= ${new Date(T0)} and ts < ${new Date(T0 + 3_600_000)}
      order by ts ${order === 'asc' ? db.sql`asc` : db.sql`desc`}, seq ${order === 'asc' ? db.sql`asc` : db.sql`desc`}`
  ).map((row) => row.trade_id);

describe('GET /trades', () => {
  it.each(['desc', 'asc'] as const)(
    'walks every page %s: each trade once, in (ts, arrival) order',
    async (order) => {
      const seen = await walk(`symbol=AAPL&${RANGE}&limit=37&order=${order}`);
      expect(seen).toEqual(await expected(order));
      expect(seen).toHaveLength(400);
    },
  );

  it('keeps walking correctly while new trades arrive, late ones included', async () => {
    const before = new Set(await expected('desc'));
    let added = 0;
    const seen = await walk(`symbol=AAPL&${RANGE}&limit=50`, async (n) => {
      // a newer trade (at the top, already passed) and a late one deep inside the range
      await db.sql`insert into trades (trade_id, symbol, price, volume, ts, source) values
        (${`NEW-${n}`}, 'AAPL', 1, 1, ${new Date(T0 + 3_599_999)}, 'test'),
        (${`LATE-${n}`}, 'AAPL', 1, 1, ${new Date(T0 + 1_000)}, 'test')`;
      added += 2;
    });
    expect(added).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length); // never a trade twice
    for (const id of before) expect(seen).toContain(id); // never one missed
  });

  it('returns exact decimals, the trade id and UTC timestamps; next_cursor null on the last page', async () => {
    const response = await app.request(`/trades?symbol=msft&${RANGE}&limit=1000`);
    const page = (await response.json()) as Page & { symbol: string; limit: number };
    expect(page).toMatchObject({ symbol: 'MSFT', limit: 1000, count: 50, next_cursor: null });
    expect(page.trades[0]).toEqual({
      trade_id: expect.stringMatching(/^M-/) as unknown,
      price: expect.stringMatching(/^\d+\.\d+$|^\d+$/) as unknown,
      volume: '10',
      timestamp: expect.stringMatching(/Z$/) as unknown,
    });
  });

  it('defaults to the last hour, newest first, 100 per page', async () => {
    await db.sql`insert into trades (trade_id, symbol, price, volume, ts, source) values ('RECENT', 'MSFT', 5, 1, now() - interval '10 minutes', 'test')`;
    const page = (await (await app.request('/trades?symbol=MSFT')).json()) as Page & {
      order: string;
      limit: number;
    };
    expect(page).toMatchObject({ order: 'desc', limit: 100, count: 1 });
    expect(page.trades[0]?.trade_id).toBe('RECENT');
  });

  it('answers an empty page for a known symbol without trades, 404 for an unknown one', async () => {
    expect(await (await app.request('/trades?symbol=EMPTY')).json()).toMatchObject({
      count: 0,
      trades: [],
      next_cursor: null,
    });
    const unknown = await app.request('/trades?symbol=NOPE');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'symbol_not_found' });
  });

  it('refuses a cursor from another query or a tampered one with a 400, never a 500', async () => {
    const first = (await (
      await app.request(`/trades?symbol=AAPL&${RANGE}&limit=5`)
    ).json()) as Page;
    const cursor = first.next_cursor ?? '';
    const tampered = Buffer.from(
      Buffer.from(cursor, 'base64url')
        .toString()
        .replace(/"\d+"\]$/, '"x"]'),
    ).toString('base64url');
    for (const query of [
      `symbol=MSFT&cursor=${cursor}`,
      `symbol=AAPL&order=asc&cursor=${cursor}`,
      `symbol=AAPL&start=2020-01-01T00:00:00Z&cursor=${cursor}`,
      `symbol=AAPL&cursor=${tampered}`,
      'symbol=AAPL&cursor=not-a-cursor',
      `symbol=AAPL&cursor=${Buffer.from('{"a":1}').toString('base64url')}`,
      `symbol=AAPL&cursor=${Buffer.from('["AAPL","desc","x","y","z","1"]').toString('base64url')}`,
    ]) {
      const response = await app.request(`/trades?${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({
        error: 'invalid_parameter',
        details: [expect.objectContaining({ parameter: 'cursor' })],
      });
    }
    const resumed = await app.request(`/trades?symbol=aapl&cursor=${cursor}`);
    expect(resumed.status).toBe(200);
  });

  it.each([
    ['no symbol', '', 'symbol'],
    ['start after end', 'symbol=AAPL&start=2026-11-20T12:00:00Z&end=2026-11-20T11:00:00Z', 'start'],
    [
      'start equal to end',
      'symbol=AAPL&start=2026-11-20T12:00:00Z&end=2026-11-20T12:00:00Z',
      'start',
    ],
    ['a timestamp without timezone', 'symbol=AAPL&start=2026-11-20T12:00:00', 'start'],
    ['a date that does not exist', 'symbol=AAPL&end=2026-02-30T12:00:00Z', 'end'],
    ['text as a timestamp', 'symbol=AAPL&end=yesterday', 'end'],
    ['limit 0', 'symbol=AAPL&limit=0', 'limit'],
    ['limit over the maximum', 'symbol=AAPL&limit=1001', 'limit'],
    ['limit not a number', 'symbol=AAPL&limit=ten', 'limit'],
    ['limit negative', 'symbol=AAPL&limit=-5', 'limit'],
    ['an unknown order', 'symbol=AAPL&order=up', 'order'],
  ])('%s → 400 naming %s', async (_name, query, parameter) => {
    const response = await app.request(`/trades?${query}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: 'invalid_parameter',
      details: [expect.objectContaining({ parameter })],
    });
  });

  it('accepts epoch milliseconds and offsets', async () => {
    const ms = await app.request(`/trades?symbol=AAPL&start=${T0}&end=${T0 + 60_000}`);
    expect(ms.status).toBe(200);
    const offset = await app.request(
      '/trades?symbol=AAPL&start=2026-11-20T11:00:00%2B01:00&end=2026-11-20T11:01:00%2B01:00',
    );
    expect(((await offset.json()) as { start: string }).start).toBe('2026-11-20T10:00:00.000Z');
  });
});
