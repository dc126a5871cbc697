/**
 * API keys: stored only as hashes, checked in constant time, 401 without a valid key, 403 with
 * too small a role, and REQUIRE_API_KEY=true closing the read routes but not /health and the docs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { hashApiKey, hashesMatch } from '../../shared/auth/api-key.js';
import { createApiKey, findApiKey, revokeApiKey } from '../../shared/auth/api-key-store.js';
import { captureLogger } from '../support/capture-logger.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let adminKey: string;
let readKey: string;
let revokedKey: string;
let open: ReturnType<typeof createApp>;
let closed: ReturnType<typeof createApp>;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple Inc.')`;
  await db.sql`insert into trades (trade_id, symbol, price, volume, ts, source) values ('AAPL-1', 'AAPL', 187.23, 1200, '2026-11-21T16:00:00Z', 'test')`;
  await db.sql`insert into latest_prices (symbol, trade_id, seq, price, volume, ts) select symbol, trade_id, seq, price, volume, ts from trades`;
  adminKey = (await createApiKey(db.sql, { role: 'admin', name: 'ops' })).key;
  readKey = (await createApiKey(db.sql, { role: 'read' })).key;
  revokedKey = (await createApiKey(db.sql, { role: 'admin', name: 'gone' })).key;
  await revokeApiKey(db.sql, 'gone');
  const logger = captureLogger().logger;
  open = createApp({ sql: db.sql, logger });
  closed = createApp({ sql: db.sql, logger, requireApiKey: true });
});
afterAll(() => db.drop());

const withKey = (key: string | undefined): Record<string, string> =>
  key === undefined ? {} : { 'x-api-key': key };

/** A key of the right shape that was never issued. */
const forged = () => `mdp_${'A'.repeat(43)}`;

describe('keys at rest', () => {
  it('stores only a SHA-256 hash and a non-secret prefix, never the key', async () => {
    const rows = await db.sql<Record<string, unknown>[]>`select * from api_keys`;
    expect(rows).toHaveLength(3);
    const stored = JSON.stringify(rows.map((row) => ({ ...row, key_hash: String(row.key_hash) })));
    for (const key of [adminKey, readKey, revokedKey]) {
      expect(stored).not.toContain(key);
      expect(stored).not.toContain(key.slice(12));
    }
    const [ops] = await db.sql<{ key_hash: Buffer; prefix: string }[]>`
      select key_hash, prefix from api_keys where name = 'ops'`;
    expect(ops?.key_hash.equals(hashApiKey(adminKey))).toBe(true);
    expect(adminKey.startsWith(ops?.prefix ?? '?')).toBe(true);
  });

  it('finds a key only by its exact value, and never a revoked one', async () => {
    expect(await findApiKey(db.sql, adminKey)).toMatchObject({ name: 'ops', role: 'admin' });
    expect(await findApiKey(db.sql, readKey)).toMatchObject({ role: 'read' });
    // Same prefix (same row found), one character off at the end: the hash comparison refuses it.
    const lastChar = adminKey.at(-1) === 'A' ? 'B' : 'A';
    expect(await findApiKey(db.sql, adminKey.slice(0, -1) + lastChar)).toBeUndefined();
    expect(await findApiKey(db.sql, revokedKey)).toBeUndefined();
    expect(await findApiKey(db.sql, `${adminKey} `)).toBeUndefined();
    expect(await findApiKey(db.sql, "' or 1=1 --")).toBeUndefined();
  });

  it('compares hashes with a length check before timingSafeEqual (which throws on unequal lengths)', () => {
    const hash = hashApiKey('x');
    expect(hashesMatch(hash, hashApiKey('x'))).toBe(true);
    expect(hashesMatch(hash, hashApiKey('y'))).toBe(false);
    expect(hashesMatch(hash, hash.subarray(0, 16))).toBe(false);
  });
});

describe('admin routes need an admin key', () => {
  it.each([
    ['no key', 401, 'api_key_required', undefined],
    ['an empty key', 401, 'api_key_required', ''],
    ['garbage', 401, 'invalid_api_key', 'let-me-in'],
    ['a forged key of the right shape', 401, 'invalid_api_key', forged()],
    ['a revoked admin key', 401, 'invalid_api_key', 'revoked'],
    ['a read key', 403, 'forbidden', 'read'],
  ])('%s → %i %s, with the envelope', async (_name, status, code, which) => {
    const key = which === 'revoked' ? revokedKey : which === 'read' ? readKey : which;
    for (const app of [open, closed]) {
      const response = await app.request('/admin/rejected', {
        headers: { ...withKey(key), 'x-request-id': 'auth-test' },
      });
      expect(response.status).toBe(status);
      const body = (await response.json()) as { message: string };
      expect(body).toEqual({
        error: code,
        message: expect.any(String) as unknown,
        detail: body.message,
        details: [],
        status,
        request_id: 'auth-test',
      });
      expect(response.headers.get('x-request-id')).toBe('auth-test');
    }
  });

  it('an admin key passes', async () => {
    const response = await open.request('/admin/rejected', { headers: withKey(adminKey) });
    expect(response.status).toBe(200);
  });

  it('refuses before validating: no key and a malformed body is a 401, not a 400', async () => {
    const response = await open.request('/symbols', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"not": "valid"',
    });
    expect(response.status).toBe(401);
  });

  it('a revoked key stops working at once', async () => {
    const { key } = await createApiKey(db.sql, { role: 'admin', name: 'short-lived' });
    expect((await open.request('/admin/rejected', { headers: withKey(key) })).status).toBe(200);
    await revokeApiKey(db.sql, 'short-lived');
    expect((await open.request('/admin/rejected', { headers: withKey(key) })).status).toBe(401);
  });
});

const READ_ROUTES = [
  '/symbols',
  '/price/latest?symbol=AAPL',
  '/trades?symbol=AAPL',
  '/candles?symbol=AAPL&interval=1m',
  '/status/ingestion',
  '/metrics',
];

describe('REQUIRE_API_KEY', () => {
  it.each(READ_ROUTES)('false (default): GET %s needs no key', async (path) => {
    expect((await open.request(path)).status).toBe(200);
  });

  it.each(READ_ROUTES)(
    'true: GET %s is 401 without a key, 200 with a read or admin key',
    async (path) => {
      const refused = await closed.request(path);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: 'api_key_required', status: 401 });
      expect((await closed.request(path, { headers: withKey(forged()) })).status).toBe(401);
      expect((await closed.request(path, { headers: withKey(readKey) })).status).toBe(200);
      expect((await closed.request(path, { headers: withKey(adminKey) })).status).toBe(200);
    },
  );

  it('true: POST /price/latest needs a key too', async () => {
    const post = (headers: Record<string, string>) =>
      closed.request('/price/latest', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ symbols: ['AAPL'] }),
      });
    expect((await post({})).status).toBe(401);
    expect((await post(withKey(readKey))).status).toBe(200);
  });

  it.each(['/', '/health', '/openapi.json', '/docs', '/docs/assets/swagger-ui.css', '/dashboard'])(
    'true: %s stays open',
    async (path) => {
      expect((await closed.request(path)).status).toBe(200);
    },
  );

  it('true: unknown routes and wrong methods reveal nothing without a key', async () => {
    expect((await closed.request('/nope')).status).toBe(401);
    expect((await closed.request('/symbols', { method: 'PUT' })).status).toBe(401);
    expect((await closed.request('/nope', { headers: withKey(readKey) })).status).toBe(404);
  });

  it('true: path tricks do not reach a closed route through an open one', async () => {
    for (const path of [
      '/docs/assets/../../symbols',
      '/docs/assets/%2e%2e/%2e%2e/symbols',
      '/health/../symbols',
    ]) {
      const response = await closed.request(path);
      expect(response.status, path).toBe(401);
    }
  });

  it('true: admin routes still need the admin role', async () => {
    expect((await closed.request('/admin/rejected', { headers: withKey(readKey) })).status).toBe(
      403,
    );
  });
});

describe('the OpenAPI document describes the keys', () => {
  interface Operation {
    security?: Record<string, string[]>[];
    responses: Record<string, unknown>;
  }
  type Doc = {
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes?: Record<string, unknown> };
  };
  const documentOf = async (app: ReturnType<typeof createApp>) =>
    (await (await app.request('/openapi.json')).json()) as Doc;

  it('declares the X-API-Key scheme; read routes are secured only where the api requires keys', async () => {
    const openDoc = await documentOf(open);
    expect(openDoc.components.securitySchemes?.ApiKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
    expect(openDoc.paths['/symbols']?.get?.security).toBeUndefined();
    expect(openDoc.paths['/symbols']?.get?.responses['401']).toBeUndefined();

    const closedDoc = await documentOf(closed);
    for (const [path, method] of [
      ['/symbols', 'get'],
      ['/trades', 'get'],
      ['/price/latest', 'post'],
      ['/metrics', 'get'],
    ] as const) {
      const operation = closedDoc.paths[path]?.[method];
      expect(operation?.security, path).toEqual([{ ApiKey: [] }]);
      expect(operation?.responses['401'], path).toBeDefined();
    }
    for (const path of ['/', '/health']) {
      expect(closedDoc.paths[path]?.get?.security, path).toBeUndefined();
      expect(closedDoc.paths[path]?.get?.responses['401'], path).toBeUndefined();
    }
    // The other app's document is untouched by this one's settings.
    expect((await documentOf(open)).paths['/trades']?.get?.security).toBeUndefined();
  });
});
