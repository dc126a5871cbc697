import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { createSql } from '../../shared/db/client.js';
import { captureLogger } from '../support/capture-logger.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple Inc.'), ('MSFT', 'Microsoft Corporation'), ('OLD', 'Delisted')`;
  await db.sql`update symbols set active = false where symbol = 'OLD'`;
  await db.sql`insert into trades (trade_id, symbol, price, volume, ts, source) values
    ('AAPL-1', 'AAPL', 187.23, 1200, '2026-11-21T16:00:00Z', 'test'),
    ('AAPL-2', 'AAPL', 187.5, 800, '2026-11-21T16:00:03Z', 'test')`;
  await db.sql`insert into latest_prices (symbol, trade_id, seq, price, volume, ts)
    select symbol, trade_id, seq, price, volume, ts from trades where trade_id = 'AAPL-2'`;
  app = createApp({ sql: db.sql, logger: captureLogger().logger, bodyLimitBytes: 1024 });
});
afterAll(() => db.drop());

const json = async (response: Response) => (await response.json()) as Record<string, unknown>;

describe('api routes', () => {
  it('GET / names the service and links every endpoint', async () => {
    const body = await json(await app.request('/'));
    expect(body).toMatchObject({
      service: 'market-data-platform',
      endpoints: { health: '/health', symbols: '/symbols' },
    });
  });

  it('GET /health is 200 when the database answers', async () => {
    const response = await app.request('/health');
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ status: 'healthy', database: 'connected' });
  });

  it('GET /symbols lists active symbols with the earlier platform shape', async () => {
    const body = await json(await app.request('/symbols'));
    expect(body.count).toBe(2);
    expect(body.symbols).toEqual([
      {
        symbol: 'AAPL',
        name: 'Apple Inc.',
        active: true,
        created_at: expect.stringMatching(/Z$/) as unknown,
        source: 'synthetic',
        source_symbol: null,
        source_stopped: null,
      },
      {
        symbol: 'MSFT',
        name: 'Microsoft Corporation',
        active: true,
        created_at: expect.stringMatching(/Z$/) as unknown,
        source: 'synthetic',
        source_symbol: null,
        source_stopped: null,
      },
    ]);
  });

  it('GET /price/latest returns the newest trade, exact, for a case-insensitive symbol', async () => {
    const response = await app.request('/price/latest?symbol=aapl');
    expect(response.status).toBe(200);
    // Phase 1's contract: numbers, written with the stored digits.
    expect(await response.text()).toBe(
      '{"symbol":"AAPL","price":187.5,"volume":800,"timestamp":"2026-11-21T16:00:03.000Z","trade_id":"AAPL-2"}',
    );
  });

  it('GET /price/latest?symbols= answers several symbols in one call, like the POST form', async () => {
    const response = await app.request('/price/latest?symbols=aapl,MSFT,ZZZ,AAPL');
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      prices: [
        {
          symbol: 'AAPL',
          price: '187.5',
          volume: '800',
          timestamp: '2026-11-21T16:00:03.000Z',
          trade_id: 'AAPL-2',
        },
      ],
      count: 1,
      unknown: ['ZZZ'],
      without_trades: ['MSFT'],
    });
  });

  it('POST /price/latest answers several symbols from a JSON body', async () => {
    const response = await app.request('/price/latest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbols: ['AAPL', 'msft', 'ZZZ'] }),
    });
    expect(await json(response)).toMatchObject({
      count: 1,
      unknown: ['ZZZ'],
      without_trades: ['MSFT'],
      prices: [{ symbol: 'AAPL', price: '187.5' }],
    });
  });
});

describe('api errors: one envelope, whatever the status', () => {
  it.each([
    ['GET', '/price/latest', 400, 'invalid_parameter', /symbol: is required \(or symbols/],
    ['GET', '/price/latest?symbol=AAPL&symbols=MSFT', 400, 'invalid_parameter', /not both/],
    ['GET', '/price/latest?symbols=AAPL,BAD%20ONE', 400, 'invalid_parameter', /symbols/],
    ['GET', '/price/latest?symbols=', 400, 'invalid_parameter', /symbols/],
    [
      'GET',
      `/price/latest?symbols=${Array.from({ length: 101 }, () => 'A').join(',')}`,
      400,
      'invalid_parameter',
      /symbols/,
    ],
    ['GET', '/price/latest?symbol=', 400, 'invalid_parameter', /symbol/],
    ['GET', "/price/latest?symbol=AAPL'%20OR%201=1--", 400, 'invalid_parameter', /symbol/],
    ['GET', `/price/latest?symbol=${'A'.repeat(17)}`, 400, 'invalid_parameter', /symbol/],
    ['GET', '/price/latest?symbol=ZZZ', 404, 'symbol_not_found', /ZZZ/],
    ['GET', '/price/latest?symbol=MSFT', 404, 'no_trades', /MSFT/],
    ['GET', '/nope', 404, 'not_found', /GET \/nope/],
    ['DELETE', '/symbols', 405, 'method_not_allowed', /DELETE/],
    ['POST', '/health', 405, 'method_not_allowed', /POST/],
  ])('%s %s → %i %s', async (method, path, status, code, message) => {
    const response = await app.request(path, { method });
    expect(response.status).toBe(status);
    const body = await json(response);
    expect(body).toEqual({
      error: code,
      message: expect.stringMatching(message) as unknown,
      detail: body.message,
      details: expect.any(Array) as unknown,
      status,
      request_id: expect.any(String) as unknown,
    });
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('a 405 says which methods are allowed', async () => {
    const response = await app.request('/symbols', { method: 'PUT' });
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
  });

  it.each([
    ['malformed JSON', '{"symbols": [', 400, 'invalid_body'],
    ['a missing field', '{}', 400, 'invalid_parameter'],
    ['an unknown field', '{"symbols": ["AAPL"], "x": 1}', 400, 'invalid_parameter'],
    [
      'a body over the limit',
      JSON.stringify({ symbols: Array.from({ length: 300 }, () => 'AAPL') }),
      413,
      'payload_too_large',
    ],
  ])('POST /price/latest with %s → %i', async (_name, body, status, code) => {
    const response = await app.request('/price/latest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(status);
    expect(await json(response)).toMatchObject({ error: code, status });
  });

  it('echoes a safe X-Request-Id and replaces an unsafe one', async () => {
    const echoed = await app.request('/symbols', { headers: { 'x-request-id': 'abc-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await app.request('/nope', { headers: { 'x-request-id': '<script>' } });
    const id = replaced.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await json(replaced)).request_id).toBe(id);
  });

  it('logs every line of a request with its request id', async () => {
    const capture = captureLogger();
    const logged = createApp({ sql: db.sql, logger: capture.logger });
    await logged.request('/price/latest?symbol=ZZZ', { headers: { 'x-request-id': 'trace-me' } });
    expect(capture.lines()).toContainEqual(
      expect.objectContaining({ request_id: 'trace-me', status: 404, severity: 'INFO' }),
    );
  });
});

describe('api when the database is down', () => {
  it('GET /health answers 503 at once when connections are refused', async () => {
    const down = createSql({
      DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
      DB_POOL_MAX: 1,
      DB_CONNECT_TIMEOUT_SECONDS: 5,
    });
    const response = await createApp({ sql: down, logger: captureLogger().logger }).request(
      '/health',
    );
    expect(response.status).toBe(503);
    expect(await json(response)).toMatchObject({
      error: 'database_unavailable',
      status: 503,
      database: 'unreachable',
    });
    await down.end();
  });

  it('GET /health answers 503 fast, not after a long hang, when the database never answers', async () => {
    const blackhole = createServer(() => undefined); // accepts TCP, never speaks
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const { port } = blackhole.address() as { port: number };
    const silent = createSql({
      DATABASE_URL: `postgres://x@127.0.0.1:${port}/x`,
      DB_POOL_MAX: 1,
      DB_CONNECT_TIMEOUT_SECONDS: 30,
    });
    const started = Date.now();
    const response = await createApp({
      sql: silent,
      logger: captureLogger().logger,
      healthTimeoutMs: 1_000,
    }).request('/health');
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5_000);
    await silent.end({ timeout: 0 });
    blackhole.close();
  });

  it('other routes answer 503 with the envelope, no stack trace', async () => {
    const down = createSql({
      DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
      DB_POOL_MAX: 1,
      DB_CONNECT_TIMEOUT_SECONDS: 5,
    });
    const response = await createApp({ sql: down, logger: captureLogger().logger }).request(
      '/price/latest?symbol=AAPL',
    );
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: 'database_unavailable', status: 503 });
    expect(text).not.toMatch(/ECONNREFUSED|at .*\.ts|node_modules/);
    await down.end();
  });
});
