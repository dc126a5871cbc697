/**
 * What every response carries: CORS for the allow-listed origins only, the secure headers and
 * X-Request-Id — on successes and on every refusal (401, 403, 404, 405, 413, preflight). Bodies over
 * 1 MiB are a 413, also through the Functions Framework, which buffers the body before Hono sees it.
 */
import type { Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { createApiKey } from '../../shared/auth/api-key-store.js';
import { captureLogger } from '../support/capture-logger.js';
import { close, listen } from '../support/http-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ALLOWED = 'https://app.example.com';
const OTHER = 'https://evil.example';
const MiB = 1024 * 1024;

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
let readKey: string;
let server: Server;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple Inc.')`;
  readKey = (await createApiKey(db.sql, { role: 'read' })).key;
  app = createApp({
    sql: db.sql,
    logger: captureLogger().logger,
    corsAllowedOrigins: [ALLOWED, 'http://localhost:3000'],
  });
  // The deployed function, configured from the environment like in the cloud.
  Object.assign(process.env, {
    DATABASE_URL: db.url,
    CORS_ALLOWED_ORIGINS: `${ALLOWED}, http://localhost:3000`,
    REQUIRE_API_KEY: 'true',
    LOG_LEVEL: 'error',
  });
  await import('../../functions/api/index.js');
  server = getTestServer('api');
  base = await listen(server);
});
afterAll(async () => {
  await close(server);
  await db.drop();
});

const preflight = (origin: string, method = 'POST') => ({
  method: 'OPTIONS',
  headers: {
    origin,
    'access-control-request-method': method,
    'access-control-request-headers': 'content-type,x-api-key',
  },
});

describe('CORS from CORS_ALLOWED_ORIGINS', () => {
  it('lets an allowed origin read responses, and exposes X-Request-Id to it', async () => {
    const response = await app.request('/symbols', { headers: { origin: ALLOWED } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/x-request-id/i);
    expect(response.headers.get('vary')).toMatch(/origin/i);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives any other origin no Access-Control-Allow-Origin, so its browser withholds the response', async () => {
    for (const origin of [OTHER, 'https://app.example.com.evil.example', 'null', `${ALLOWED}/`]) {
      const response = await app.request('/symbols', { headers: { origin } });
      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('answers an allowed preflight with the methods and headers the api takes', async () => {
    const response = await app.request('/symbols', preflight(ALLOWED, 'PATCH'));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,HEAD,POST,PATCH,DELETE');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/x-api-key/i);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/last-event-id/i);
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a preflight of another origin without allowing it', async () => {
    const response = await app.request('/symbols', preflight(OTHER));
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('with no allow-list, allows no origin; a plain OPTIONS still lists the methods', async () => {
    const closed = createApp({ sql: db.sql, logger: captureLogger().logger });
    const cross = await closed.request('/symbols', { headers: { origin: ALLOWED } });
    expect(cross.headers.get('access-control-allow-origin')).toBeNull();
    const options = await closed.request('/symbols', preflight(ALLOWED));
    expect(options.headers.get('access-control-allow-origin')).toBeNull();
    const plain = await app.request('/symbols', { method: 'OPTIONS' });
    expect(plain.status).toBe(204);
    expect(plain.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
  });

  it('"*" allows every origin', async () => {
    const any = createApp({
      sql: db.sql,
      logger: captureLogger().logger,
      corsAllowedOrigins: ['*'],
    });
    const response = await any.request('/symbols', { headers: { origin: OTHER } });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });
});

const SECURE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'cross-origin-opener-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
};

describe('headers on every response', () => {
  const cases: [string, () => Response | Promise<Response>, number][] = [
    ['200', () => app.request('/symbols'), 200],
    ['400', () => app.request('/price/latest'), 400],
    ['401', () => app.request('/admin/rejected'), 401],
    ['403', () => app.request('/admin/rejected', { headers: { 'x-api-key': readKey } }), 403],
    ['404', () => app.request('/nope'), 404],
    ['405', () => app.request('/health', { method: 'POST' }), 405],
    [
      '413',
      () =>
        app.request('/price/latest', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: 'x'.repeat(MiB + 1),
        }),
      413,
    ],
    ['preflight', () => app.request('/symbols', preflight(ALLOWED)), 204],
  ];

  it.each(cases)(
    '%s carries the secure headers and an X-Request-Id',
    async (_name, call, status) => {
      const response = await call();
      expect(response.status).toBe(status);
      for (const [header, value] of Object.entries(SECURE_HEADERS))
        expect(response.headers.get(header), header).toBe(value);
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it("echoes the caller's X-Request-Id on refusals too", async () => {
    for (const [path, init] of [
      ['/admin/rejected', {}],
      ['/admin/rejected', { 'x-api-key': readKey }],
      ['/symbols', { origin: ALLOWED, 'access-control-request-method': 'GET' }],
    ] as const) {
      const method = 'origin' in init ? 'OPTIONS' : 'GET';
      const response = await app.request(path, {
        method,
        headers: { ...init, 'x-request-id': 'trace-42' },
      });
      expect(response.headers.get('x-request-id'), `${method} ${path}`).toBe('trace-42');
    }
  });
});

describe('body size', () => {
  it('accepts a body just under 1 MiB (refused for what it says, not its size)', async () => {
    const response = await app.request('/price/latest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbols: ['AAPL'], pad: 'x'.repeat(MiB - 100) }),
    });
    expect(response.status).toBe(400);
  });

  it('refuses 1 MiB + 1 byte with 413 and the envelope', async () => {
    const response = await app.request('/price/latest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(MiB + 1),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large', status: 413 });
  });
});

describe('through the Functions Framework (the deployed function)', () => {
  const twoMiB = JSON.stringify({ symbols: ['AAPL'], pad: 'x'.repeat(2 * MiB) });

  it.each([
    ['with Content-Length', () => twoMiB],
    [
      'chunked, without Content-Length',
      () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            const bytes = new TextEncoder().encode(twoMiB);
            for (let at = 0; at < bytes.length; at += 64 * 1024)
              controller.enqueue(bytes.subarray(at, at + 64 * 1024));
            controller.close();
          },
        }),
    ],
  ])('a 2 MiB JSON body %s is a 413 with the envelope', async (_name, body) => {
    const response = await fetch(`${base}/price/latest`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': readKey,
        'x-request-id': 'big-1',
      },
      body: body(),
      duplex: 'half',
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(response.headers.get('x-request-id')).toBe('big-1');
    expect(await response.json()).toMatchObject({
      error: 'payload_too_large',
      status: 413,
      request_id: 'big-1',
    });
  });

  it('takes CORS_ALLOWED_ORIGINS and REQUIRE_API_KEY from the environment', async () => {
    const pre = await fetch(`${base}/symbols`, preflight(ALLOWED, 'GET'));
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const refused = await fetch(`${base}/symbols`, { headers: { origin: ALLOWED } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    const allowed = await fetch(`${base}/symbols`, { headers: { 'x-api-key': readKey } });
    expect(allowed.status).toBe(200);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});
