/**
 * Rate limits that hold across api instances: two apps, each with its own pool, served over HTTP
 * side by side on one database, share each caller's minute (rate_limit_windows), so together they
 * serve exactly the limit, never twice it. Headers (the IETF draft's and X-RateLimit-*), the 429
 * envelope with Retry-After, a key's own limit, anonymous callers by client IP, /health exempt.
 */
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMarketDataClient, MarketDataError } from '../../client/src/index.js';
import { createApp } from '../../functions/api/app.js';
import type { ApiDeps } from '../../functions/api/app-env.js';
import { createApiKey } from '../../shared/auth/api-key-store.js';
import { createSql, type Sql } from '../../shared/db/client.js';
import { captureLogger } from '../support/capture-logger.js';
import { close, listen } from '../support/http-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Half a minute into a window, on every instance's clock: Reset is 30 s throughout. */
const NOW = Date.parse('2026-11-29T12:00:30Z');
const ANONYMOUS_PER_MINUTE = 30;
const READ_PER_MINUTE = 40;
const ORIGIN = 'https://app.example.com';
/**
 * Requests that give each of the two instances more than the whole limit to serve: then each asks
 * for more until the window is used up and serves all it reserved, so exactly the limit is served.
 * With less, an instance may finish holding reserved requests it never serves (the error bound:
 * refused early, never served over).
 */
const MORE_THAN_BOTH_CAN_SERVE = 2 * ANONYMOUS_PER_MINUTE + 2;

interface Instance {
  url: string;
  sql: Sql;
  server: Server;
}

let db: TestDatabase;
let instances: Instance[];
let readKey: string;
let ownRateKey: string;

/** One api instance as deployed: its own pool, behind a real HTTP server. */
async function startInstance(overrides: Partial<ApiDeps> = {}): Promise<Instance> {
  const sql = createSql({ DATABASE_URL: db.url, DB_POOL_MAX: 3, DB_CONNECT_TIMEOUT_SECONDS: 3 });
  const app = createApp({
    sql,
    logger: captureLogger().logger,
    rateLimitsEnabled: true,
    rateLimitPerMinute: { read: READ_PER_MINUTE, admin: 100, anonymous: ANONYMOUS_PER_MINUTE },
    rateLimitBatch: 20,
    trustedProxyHops: 1,
    corsAllowedOrigins: [ORIGIN],
    now: () => NOW,
    ...overrides,
  });
  const listener = getRequestListener(app.fetch);
  // The listener answers through `response` and never rejects (native-server.ts does the same).
  const server = createServer((request, response) => {
    void listener(request, response);
  });
  return { url: await listen(server), sql, server };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple Inc.')`;
  readKey = (await createApiKey(db.sql, { role: 'read' })).key;
  ownRateKey = (await createApiKey(db.sql, { role: 'read', ratePerMinute: 5 })).key;
  instances = [await startInstance(), await startInstance()];
});
afterAll(async () => {
  for (const { server, sql } of instances) {
    await close(server);
    await sql.end({ timeout: 5 });
  }
  await db.drop();
});

/** GET `path` on instance `i` (alternating when a number runs past the instances). */
function get(i: number, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const instance = instances[i % instances.length];
  if (instance === undefined) throw new Error('no instance');
  return fetch(`${instance.url}${path}`, { headers });
}

/** The caller's address as Google's front end appends it, after whatever the client wrote. */
const from = (ip: string, claimed = '198.51.100.1') => ({ 'x-forwarded-for': `${claimed}, ${ip}` });

async function statuses(responses: Promise<Response>[]): Promise<number[]> {
  return Promise.all(
    responses.map(async (response) => {
      const answered = await response;
      await answered.arrayBuffer();
      return answered.status;
    }),
  );
}

const count = (list: number[], status: number) => list.filter((s) => s === status).length;

describe('limits across two api instances', () => {
  it('serves exactly the limit between them, one after the other, then refuses on both', async () => {
    const results = [];
    for (let i = 0; i < MORE_THAN_BOTH_CAN_SERVE; i++)
      results.push(...(await statuses([get(i, '/symbols', from('203.0.113.10'))])));
    expect(count(results, 200)).toBe(ANONYMOUS_PER_MINUTE);
    expect(count(results, 429)).toBe(MORE_THAN_BOTH_CAN_SERVE - ANONYMOUS_PER_MINUTE);
    // Refused on both instances, not only on the one that happened to hold the last lease.
    expect(results.slice(-2)).toEqual([429, 429]);
    const [row] = await db.sql<{ reserved: number }[]>`
      select reserved from rate_limit_windows where subject = 'ip:203.0.113.10'`;
    expect(row?.reserved).toBe(ANONYMOUS_PER_MINUTE);
  });

  it('serves exactly the limit under 100 concurrent requests spread over both', async () => {
    const results = await statuses(
      Array.from({ length: 100 }, (_, i) => get(i, '/symbols', from('203.0.113.11'))),
    );
    expect(count(results, 200)).toBe(ANONYMOUS_PER_MINUTE);
    expect(count(results, 429)).toBe(100 - ANONYMOUS_PER_MINUTE);
  });

  it('a third instance started mid-window finds the window used up', async () => {
    await statuses(
      Array.from({ length: MORE_THAN_BOTH_CAN_SERVE }, (_, i) =>
        get(i, '/symbols', from('203.0.113.12')),
      ),
    );
    const late = await startInstance();
    try {
      const response = await fetch(`${late.url}/symbols`, { headers: from('203.0.113.12') });
      expect(response.status).toBe(429);
    } finally {
      await close(late.server);
      await late.sql.end({ timeout: 5 });
    }
  });
});

describe('headers and the 429', () => {
  it('answers with the draft RateLimit fields and X-RateLimit-*, Remaining counting down', async () => {
    const first = await get(0, '/symbols', from('203.0.113.20'));
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"minute";q=30;w=60');
    expect(first.headers.get('ratelimit')).toBe('"minute";r=29;t=30');
    expect(first.headers.get('x-ratelimit-limit')).toBe('30');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('29');
    expect(first.headers.get('x-ratelimit-reset')).toBe('30');
    const second = await get(0, '/symbols', from('203.0.113.20'));
    expect(second.headers.get('x-ratelimit-remaining')).toBe('28');
  });

  it('past the limit: 429, the error envelope, Retry-After and Remaining 0', async () => {
    await statuses(
      Array.from({ length: MORE_THAN_BOTH_CAN_SERVE }, (_, i) =>
        get(i, '/symbols', from('203.0.113.21')),
      ),
    );
    const refused = await get(0, '/price/latest?symbol=AAPL', from('203.0.113.21'));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit')).toBe('"minute";r=0;t=30');
    expect(refused.headers.get('x-request-id')).toBeTruthy();
    const body = (await refused.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      error: 'rate_limited',
      status: 429,
      message: 'Rate limit of 30 requests per minute reached; retry in 30 s',
    });
    expect(body.request_id).toBe(refused.headers.get('x-request-id'));
  });

  it('lets browser scripts read them: CORS exposes the headers', async () => {
    const response = await get(0, '/symbols', { ...from('203.0.113.22'), origin: ORIGIN });
    const exposed = response.headers.get('access-control-expose-headers')?.toLowerCase() ?? '';
    for (const header of ['ratelimit', 'ratelimit-policy', 'x-ratelimit-remaining', 'retry-after'])
      expect(exposed.split(/,\s*/)).toContain(header);
  });

  it('leaves /health and CORS preflights alone, even for a caller past its limit', async () => {
    await statuses(
      Array.from({ length: MORE_THAN_BOTH_CAN_SERVE }, (_, i) =>
        get(i, '/symbols', from('203.0.113.23')),
      ),
    );
    expect((await get(0, '/symbols', from('203.0.113.23'))).status).toBe(429);
    const health = await get(0, '/health', from('203.0.113.23'));
    expect(health.status).toBe(200);
    expect(health.headers.get('ratelimit')).toBeNull();
    const preflight = await fetch(`${instances[0]?.url}/symbols`, {
      method: 'OPTIONS',
      headers: { ...from('203.0.113.23'), origin: ORIGIN, 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
  });
});

describe('who counts against what', () => {
  it('a key has its role limit, whatever IP it calls from, apart from anonymous callers', async () => {
    const results = await statuses(
      Array.from({ length: 2 * READ_PER_MINUTE + 2 }, (_, i) =>
        get(i, '/symbols', { 'x-api-key': readKey, ...from(`203.0.113.${100 + (i % 50)}`) }),
      ),
    );
    expect(count(results, 200)).toBe(READ_PER_MINUTE);
    // The IP it last called from still has its whole anonymous minute.
    const anonymous = await get(0, '/symbols', from('203.0.113.149'));
    expect(anonymous.headers.get('x-ratelimit-remaining')).toBe('29');
  });

  it('a key created with --rate N has N per minute instead of its role limit', async () => {
    const results = await statuses(
      Array.from({ length: 12 }, (_, i) => get(i, '/symbols', { 'x-api-key': ownRateKey })),
    );
    expect(count(results, 200)).toBe(5);
    const refused = await get(0, '/symbols', { 'x-api-key': ownRateKey });
    expect(refused.headers.get('ratelimit-policy')).toBe('"minute";q=5;w=60');
  });

  it('anonymous callers by the address Google appends, not the one they claim', async () => {
    await statuses(
      Array.from({ length: MORE_THAN_BOTH_CAN_SERVE }, (_, i) =>
        get(i, '/symbols', from('203.0.113.30', `10.0.0.${i}`)),
      ),
    );
    // Claiming another address first changes nothing; another real address has its own minute.
    expect((await get(0, '/symbols', from('203.0.113.30', '10.9.9.9'))).status).toBe(429);
    expect((await get(0, '/symbols', from('203.0.113.31'))).status).toBe(200);
  });

  it('an unknown key counts against its caller IP', async () => {
    const forged = `mdp_${'B'.repeat(43)}`;
    const response = await get(0, '/symbols', { 'x-api-key': forged, ...from('203.0.113.40') });
    expect(response.headers.get('x-ratelimit-limit')).toBe(String(ANONYMOUS_PER_MINUTE));
  });
});

describe('the typed client', () => {
  it('rejects a call past the limit with MarketDataError rate_limited and retryAfterSeconds', async () => {
    const client = createMarketDataClient({
      baseUrl: instances[0]?.url ?? '',
      apiKey: ownRateKey,
    });
    // The key's 5 requests were spent above; the client does not retry by itself.
    const error = await client.GET('/symbols').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MarketDataError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', retryAfterSeconds: 30 });
  });
});
