/**
 * The admin routes against real PostgreSQL, and what they mean for ingestion: the ingest function
 * as deployed (Functions Framework, real HTTP) starts trading a created symbol on its next run and
 * stops trading a deleted one. Ingest's local direct-push publisher posts to a recorder here.
 */
import { createServer, type Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { createApiKey } from '../../shared/auth/api-key-store.js';
import { captureLogger } from '../support/capture-logger.js';
import { close, listen } from '../support/http-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

interface PushedTrade {
  symbol: string;
  trade_id: string;
}

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
let logs: ReturnType<typeof captureLogger>;
let admin: Record<string, string>;
let reader: Record<string, string>;
let recorder: Server;
let ingest: Server;
let ingestUrl: string;
const pushed: PushedTrade[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  admin = { 'x-api-key': (await createApiKey(db.sql, { role: 'admin', name: 'ops' })).key };
  reader = { 'x-api-key': (await createApiKey(db.sql, { role: 'read' })).key };
  logs = captureLogger();
  app = createApp({ sql: db.sql, logger: logs.logger });

  // Records the trades of each push body a Pub/Sub push subscription would send to persist.
  recorder = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { message: { data: string } };
      const message = JSON.parse(Buffer.from(body.message.data, 'base64').toString()) as {
        trades: PushedTrade[];
      };
      pushed.push(...message.trades);
      response.writeHead(204).end();
    });
  });
  const recorderUrl = await listen(recorder);
  Object.assign(process.env, {
    DATABASE_URL: db.url,
    PUBSUB_DIRECT_PUSH_URL: recorderUrl,
    DEFAULT_SYMBOLS: 'BASE:Base Corp',
    LOG_LEVEL: 'error',
  });
  await import('../../functions/ingest/index.js');
  ingest = getTestServer('ingest');
  ingestUrl = await listen(ingest);
});
afterAll(async () => {
  await close(ingest);
  await close(recorder);
  await db.drop();
});
beforeEach(() => {
  pushed.length = 0;
});

const json = async (response: Response) => (await response.json()) as Record<string, unknown>;
const send = (method: string, path: string, body?: unknown, headers = admin) =>
  app.request(path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
const runIngest = async () => {
  const response = await fetch(ingestUrl, { method: 'POST' });
  expect(response.status).toBe(200);
  return new Set(pushed.splice(0).map((trade) => trade.symbol));
};

describe('POST /symbols', () => {
  it('creates a symbol (upper-cased, name trimmed) that the next ingest run starts trading', async () => {
    expect(await runIngest()).toEqual(new Set(['BASE']));
    const response = await send('POST', '/symbols', { symbol: 'newco', name: '  New Co  ' });
    expect(response.status).toBe(201);
    expect(await json(response)).toEqual({
      symbol: 'NEWCO',
      name: 'New Co',
      active: true,
      created_at: expect.stringMatching(/Z$/) as unknown,
      source: 'synthetic',
      source_symbol: null,
      source_stopped: null,
    });
    expect(await runIngest()).toContain('NEWCO');
    const listed = (await json(await app.request('/symbols'))).symbols as { symbol: string }[];
    expect(listed.map((s) => s.symbol)).toContain('NEWCO');
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ message: 'symbol NEWCO created', api_key_name: 'ops' }),
    );
  });

  it('can create a symbol inactive: ingest leaves it alone', async () => {
    const response = await send('POST', '/symbols', {
      symbol: 'LATER',
      name: 'Later',
      active: false,
    });
    expect(response.status).toBe(201);
    expect(await runIngest()).not.toContain('LATER');
  });

  it('refuses a symbol that exists already with 409', async () => {
    const response = await send('POST', '/symbols', { symbol: 'NEWCO', name: 'Again' });
    expect(response.status).toBe(409);
    expect(await json(response)).toMatchObject({ error: 'symbol_exists', status: 409 });
  });

  it.each([
    ['a malformed symbol', { symbol: 'BAD ONE', name: 'x' }, /symbol/],
    ['an overlong symbol', { symbol: 'A'.repeat(17), name: 'x' }, /symbol/],
    ['no name', { symbol: 'OK' }, /name/],
    ['an empty name', { symbol: 'OK', name: '   ' }, /name/],
    ['a name of 201 characters', { symbol: 'OK', name: 'n'.repeat(201) }, /name/],
    ['a NUL in the name', { symbol: 'OK', name: 'a\u0000b' }, /name/],
    ['an unknown field', { symbol: 'OK', name: 'x', price: 1 }, /price|unrecognized/i],
    ['active as a string', { symbol: 'OK', name: 'x', active: 'yes' }, /active/],
    ['malformed JSON', '{"symbol": ', /.+/],
    ['an unknown source', { symbol: 'OK', name: 'x', source: 'nyse' }, /source/],
    [
      'a real source without source_symbol',
      { symbol: 'OK', name: 'x', source: 'binance' },
      /source_symbol/,
    ],
    [
      'a source_symbol for the synthetic walk',
      { symbol: 'OK', name: 'x', source: 'synthetic', source_symbol: 'BTCUSDT' },
      /source_symbol/,
    ],
    [
      'a source_symbol without source',
      { symbol: 'OK', name: 'x', source_symbol: 'BTCUSDT' },
      /source/,
    ],
    [
      'a source_symbol with a space',
      { symbol: 'OK', name: 'x', source: 'binance', source_symbol: 'BTC USDT' },
      /source_symbol/,
    ],
    [
      'a source_symbol of 65 characters',
      { symbol: 'OK', name: 'x', source: 'binance', source_symbol: 'B'.repeat(65) },
      /source_symbol/,
    ],
  ])('refuses %s with 400 and the envelope', async (_name, body, message) => {
    const response = await send('POST', '/symbols', body);
    expect(response.status).toBe(400);
    const envelope = await json(response);
    expect(envelope).toMatchObject({ status: 400, request_id: expect.any(String) as unknown });
    expect(envelope.message).toMatch(message);
    expect((await db.sql`select 1 from symbols where symbol = 'OK'`).length).toBe(0);
  });
});

describe('symbol sources', () => {
  it("POST takes a real source with the provider's instrument name; GET /symbols shows both", async () => {
    const response = await send('POST', '/symbols', {
      symbol: 'btc-usd',
      name: 'Bitcoin',
      source: 'binance',
      source_symbol: 'BTCUSDT',
      active: false,
    });
    expect(response.status).toBe(201);
    expect(await json(response)).toMatchObject({
      symbol: 'BTC-USD',
      source: 'binance',
      source_symbol: 'BTCUSDT',
      source_stopped: null,
    });
    const [row] = await db.sql<{ source: string; source_symbol: string }[]>`
      select source, source_symbol from symbols where symbol = 'BTC-USD'`;
    expect(row).toEqual({ source: 'binance', source_symbol: 'BTCUSDT' });
  });

  it('PATCH switches a source, back to synthetic too (which drops the instrument name)', async () => {
    const switched = await send('PATCH', '/symbols/BTC-USD', {
      source: 'binance',
      source_symbol: 'BTCUSDC',
    });
    expect(await json(switched)).toMatchObject({ source: 'binance', source_symbol: 'BTCUSDC' });
    const back = await send('PATCH', '/symbols/BTC-USD', { source: 'synthetic' });
    expect(back.status).toBe(200);
    expect(await json(back)).toMatchObject({ source: 'synthetic', source_symbol: null });
  });

  it('PATCH with a new source or active: true clears a stop ingest recorded', async () => {
    await db.sql`update symbols set source = 'binance', source_symbol = 'NOPEUSDT',
      source_stopped_reason = 'binance answered 400: Invalid symbol.', source_stopped_at = now()
      where symbol = 'BTC-USD'`;
    const renamed = await json(await send('PATCH', '/symbols/BTC-USD', { name: 'Bitcoin (USD)' }));
    expect(renamed.source_stopped).toEqual({
      reason: 'binance answered 400: Invalid symbol.',
      at: expect.stringMatching(/Z$/) as unknown,
    });
    const fixed = await json(
      await send('PATCH', '/symbols/BTC-USD', { source: 'binance', source_symbol: 'BTCUSDT' }),
    );
    expect(fixed).toMatchObject({ source_symbol: 'BTCUSDT', source_stopped: null });
    await db.sql`update symbols set source_stopped_reason = 'blocked', source_stopped_at = now()
      where symbol = 'BTC-USD'`;
    expect(await json(await send('PATCH', '/symbols/BTC-USD', { active: true }))).toMatchObject({
      active: true,
      source_stopped: null,
    });
    await send('PATCH', '/symbols/BTC-USD', { active: false });
  });

  it.each([
    ['a real source without source_symbol', { source: 'binance' }],
    ['source_symbol alone', { source_symbol: 'ETHUSDT' }],
    ['a source_symbol for the synthetic walk', { source: 'synthetic', source_symbol: 'X' }],
    ['an unknown source', { source: 'nasdaq', source_symbol: 'AAPL' }],
  ])('PATCH refuses %s with 400, changing nothing', async (_name, body) => {
    const response = await send('PATCH', '/symbols/BTC-USD', body);
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({
      status: 400,
      error: expect.any(String) as unknown,
    });
    const [row] = await db.sql<{ source_symbol: string }[]>`
      select source_symbol from symbols where symbol = 'BTC-USD'`;
    expect(row?.source_symbol).toBe('BTCUSDT');
  });
});

describe('PATCH /symbols/{symbol}', () => {
  it('renames', async () => {
    const response = await send('PATCH', '/symbols/newco', { name: 'NewCo Holdings' });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      symbol: 'NEWCO',
      name: 'NewCo Holdings',
      active: true,
    });
    const [row] = await db.sql<{ name: string }[]>`select name from symbols where symbol = 'NEWCO'`;
    expect(row?.name).toBe('NewCo Holdings');
  });

  it('deactivates and reactivates: ingest follows', async () => {
    expect(await json(await send('PATCH', '/symbols/NEWCO', { active: false }))).toMatchObject({
      active: false,
      name: 'NewCo Holdings',
    });
    expect(await runIngest()).not.toContain('NEWCO');
    expect(await json(await send('PATCH', '/symbols/NEWCO', { active: true }))).toMatchObject({
      active: true,
    });
    expect(await runIngest()).toContain('NEWCO');
  });

  it.each([
    ['an empty body', {}, 400],
    ['an unknown field', { symbol: 'X' }, 400],
    ['no body', undefined, 400],
  ])('refuses %s', async (_name, body, status) => {
    expect((await send('PATCH', '/symbols/NEWCO', body)).status).toBe(status);
  });

  it('is 404 for an unknown symbol, 400 for a malformed one', async () => {
    const unknown = await send('PATCH', '/symbols/ZZZ', { name: 'x' });
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toMatchObject({ error: 'symbol_not_found' });
    expect((await send('PATCH', `/symbols/${'A'.repeat(17)}`, { name: 'x' })).status).toBe(400);
  });
});

describe('DELETE /symbols/{symbol}', () => {
  it('deactivates: ingest stops trading it, GET /symbols drops it, its trades are kept', async () => {
    // What persist would have stored of NEWCO's trades so far.
    await db.sql`insert into trades (trade_id, symbol, price, volume, ts, source)
      values ('NEWCO-1', 'NEWCO', 10, 1, '2026-11-21T16:00:00Z', 'test'),
             ('NEWCO-2', 'NEWCO', 11, 1, '2026-11-21T16:00:03Z', 'test')`;
    const response = await send('DELETE', '/symbols/newco');
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ symbol: 'NEWCO', active: false });
    expect(await runIngest()).not.toContain('NEWCO');
    const listed = (await json(await app.request('/symbols'))).symbols as { symbol: string }[];
    expect(listed.map((s) => s.symbol)).not.toContain('NEWCO');
    const [kept] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from trades where symbol = 'NEWCO'`;
    expect(kept?.n).toBe(2);
    // Still known, so its history answers rather than 404.
    const history = await app.request(
      '/trades?symbol=NEWCO&start=2026-11-21T00:00:00Z&end=2026-11-21T17:00:00Z',
    );
    expect(await json(history)).toMatchObject({ count: 2 });
  });

  it('is idempotent, and 404 for an unknown symbol', async () => {
    expect((await send('DELETE', '/symbols/NEWCO')).status).toBe(200);
    expect((await send('DELETE', '/symbols/ZZZ')).status).toBe(404);
  });
});

describe('admin symbol routes refuse other keys', () => {
  it.each([
    ['POST', '/symbols', { symbol: 'NOPE', name: 'x' }],
    ['PATCH', '/symbols/BASE', { active: false }],
    ['DELETE', '/symbols/BASE', undefined],
  ])(
    '%s %s: 401 without a key, 403 with a read key, nothing changed',
    async (method, path, body) => {
      expect((await send(method, path, body, {})).status).toBe(401);
      expect((await send(method, path, body, reader)).status).toBe(403);
      const rows = await db.sql<{ symbol: string; active: boolean }[]>`
      select symbol, active from symbols where symbol in ('NOPE', 'BASE')`;
      expect(rows).toEqual([{ symbol: 'BASE', active: true }]);
    },
  );

  it('other methods on /symbols/{symbol} are 405 listing the allowed ones', async () => {
    const response = await send('PUT', '/symbols/BASE', { name: 'x' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('DELETE, OPTIONS, PATCH');
    expect((await send('PUT', '/symbols')).headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
  });
});

describe('GET /admin/rejected', () => {
  beforeAll(async () => {
    const big = Buffer.concat([Buffer.from('{"v":1,"trades":['), Buffer.alloc(5_000, 0x41)]);
    await db.sql`insert into rejected_messages (message_id, reason, details, payload, received_at) values
      ('m-old', 'invalid_json', ${db.sql.json({ message: 'not JSON' })}, ${Buffer.from('not json')}, '2026-11-21T16:00:00Z'),
      ('m-big', 'oversized_batch', ${db.sql.json({ message: 'too many trades' })}, ${big}, '2026-11-21T16:00:01Z'),
      ('m-bin', 'not_base64', null, ${Buffer.from([0xff, 0xfe, 0x00, 0x41])}, '2026-11-21T16:00:02Z')`;
  });

  it('lists poison messages newest first with reason, times and a payload excerpt', async () => {
    const response = await send('GET', '/admin/rejected');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { count: number; rejected: Record<string, unknown>[] };
    expect(body.count).toBe(3);
    expect(body.rejected.map((r) => r.message_id)).toEqual(['m-bin', 'm-big', 'm-old']);
    expect(body.rejected[2]).toEqual({
      id: expect.any(String) as unknown,
      message_id: 'm-old',
      reason: 'invalid_json',
      message: 'not JSON',
      received_at: '2026-11-21T16:00:00.000Z',
      published_at: null,
      payload_bytes: 8,
      payload_excerpt: 'not json',
    });
    const big = body.rejected[1];
    expect(big?.payload_bytes).toBe(5_017);
    expect(big?.payload_excerpt).toBe(`{"v":1,"trades":[${'A'.repeat(256 - 17)}`);
    expect(body.rejected[0]).toMatchObject({
      message: null,
      payload_excerpt: '\ufffd\ufffd\u0000A',
    });
  });

  it('honours limit, and refuses a bad one with 400', async () => {
    const body = await json(await send('GET', '/admin/rejected?limit=1'));
    expect(body.count).toBe(1);
    for (const limit of ['0', '501', 'abc', '-1']) {
      const response = await send('GET', `/admin/rejected?limit=${limit}`);
      expect(response.status, limit).toBe(400);
      expect(await json(response)).toMatchObject({ error: 'invalid_parameter' });
    }
  });

  it('needs an admin key', async () => {
    expect((await send('GET', '/admin/rejected', undefined, {})).status).toBe(401);
    expect((await send('GET', '/admin/rejected', undefined, reader)).status).toBe(403);
  });
});

describe('ingest accepts only POST', () => {
  it.each(['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])(
    '%s is a 405 with Allow: POST, and publishes nothing',
    async (method) => {
      const response = await fetch(ingestUrl, { method, body: method === 'GET' ? null : '{}' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await json(response)).toMatchObject({ error: 'method_not_allowed', status: 405 });
      expect(pushed).toEqual([]);
    },
  );

  it('HEAD is a 405 too', async () => {
    expect((await fetch(ingestUrl, { method: 'HEAD' })).status).toBe(405);
    expect(pushed).toEqual([]);
  });
});
