/**
 * The api as deployed: the registered Functions Framework function, over real HTTP. The framework
 * parses request bodies before Hono sees them; these tests prove bodies still reach the routes.
 */
import type { Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, listen } from '../support/http-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let server: Server;
let base: string;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple Inc.')`;
  await db.sql`insert into trades (trade_id, symbol, price, volume, ts, source) values ('AAPL-1', 'AAPL', 187.23, 1200, '2026-11-21T16:00:00Z', 'test')`;
  await db.sql`insert into latest_prices (symbol, trade_id, seq, price, volume, ts) select symbol, trade_id, seq, price, volume, ts from trades`;
  process.env.DATABASE_URL = db.url;
  process.env.LOG_LEVEL = 'error';
  await import('../../functions/api/index.js');
  server = getTestServer('api');
  base = await listen(server);
});
afterAll(async () => {
  await close(server);
  await db.drop();
});

describe('api through the Functions Framework', () => {
  it('a POST with a JSON body reaches the Hono route', async () => {
    const response = await fetch(`${base}/price/latest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbols: ['aapl'] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      count: 1,
      prices: [{ symbol: 'AAPL', price: '187.23' }],
    });
  });

  it('GET routes and query strings pass through unchanged', async () => {
    const response = await fetch(`${base}/price/latest?symbol=AAPL`);
    expect(await response.json()).toMatchObject({
      symbol: 'AAPL',
      price: 187.23,
      volume: 1200,
    });
  });

  it("a malformed JSON body is a 400 with the envelope, not the framework's HTML page", async () => {
    const response = await fetch(`${base}/price/latest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"symbols": [',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      status: 400,
      error: expect.any(String) as unknown,
      request_id: expect.any(String) as unknown,
    });
  });

  it('unknown routes and wrong methods keep the envelope', async () => {
    const notFound = await fetch(`${base}/nope`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ error: 'not_found', status: 404 });
    const wrongMethod = await fetch(`${base}/symbols`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toMatchObject({ error: 'method_not_allowed', status: 405 });
  });
});
