/**
 * The Phase 1 contract, as the platform we replace promised it to downstream teams and as an
 * existing client reads it: GET /, /health, /symbols and /price/latest answer the Phase 1 response
 * models (types and required fields; more fields are allowed), a 404 says why in `detail`, and
 * /health is a 503 when the database is down. Run against the api function as deployed:
 * registered with the Functions Framework, over HTTP.
 */
import type { Server } from 'node:http';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiFunction } from '../../functions/api/api-function.js';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { loadApiConfig } from '../../shared/config/function-config.js';
import { captureLogger } from '../support/capture-logger.js';
import { close, listen } from '../support/http-server.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Phase 1's `datetime`: ISO 8601 that a client's parser accepts. */
const datetime = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'a datetime');

/** The Phase 1 response models, field for field. */
const phase1 = {
  health: z.object({
    status: z.string(),
    service: z.string(),
    database: z.string(),
    timestamp: datetime,
    last_trade_count: z.number().int().nullable(),
    last_ingestion: datetime.nullable(),
  }),
  symbols: z.object({
    symbols: z.array(z.object({ symbol: z.string(), name: z.string(), created_at: datetime })),
    count: z.number().int(),
  }),
  latestPrice: z.object({
    symbol: z.string(),
    price: z.number(),
    volume: z.number(),
    timestamp: datetime,
  }),
  root: z.object({
    service: z.string(),
    version: z.string(),
    endpoints: z.object({ health: z.string(), symbols: z.string(), latest_price: z.string() }),
  }),
  /** What FastAPI's HTTPException answered, and Phase 1 clients read the reason from. */
  error: z.object({ detail: z.string() }),
};

const TRADES = [
  { trade_id: 'P1-1', symbol: 'AAPL', price: '187.23', volume: '1200', ts: '2026-11-21T16:00:00Z' },
  // More digits than a float64 holds: the number literal must still carry every one.
  {
    trade_id: 'P1-2',
    symbol: 'AAPL',
    price: '12345678901234.12345678',
    volume: '0.00000001',
    ts: '2026-11-21T16:00:03Z',
  },
  { trade_id: 'P1-3', symbol: 'MSFT', price: '380.19', volume: '4171', ts: '2026-11-21T16:00:00Z' },
];

let db: TestDatabase;
const servers: Server[] = [];
let api: string;
let apiWithoutDatabase: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`
    insert into symbols (symbol, name) values
      ('AAPL', 'Apple Inc.'), ('MSFT', 'Microsoft Corporation'), ('IBM', 'IBM')`;
  // Stored as the platform stores them: through persist.
  const persist = createPersistHandler({ sql: db.sql, logger: captureLogger().logger });
  await persist(pubsubEvent({ v: 1, source: 'test', trades: TRADES }));

  const serve = async (name: string, env: Record<string, string>) => {
    http(name, createApiFunction(loadApiConfig({ LOG_LEVEL: 'error', ...env })));
    const server = getTestServer(name);
    servers.push(server);
    return listen(server);
  };
  api = await serve('api', { DATABASE_URL: db.url });
  apiWithoutDatabase = await serve('api-without-database', {
    DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    API_HEALTH_TIMEOUT_MS: '1000',
  });
});
afterAll(async () => {
  await Promise.all(servers.map((server) => close(server)));
  await db.drop();
});

async function get(base: string, path: string) {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, text: await response.text() };
}

/** Parses `text` as the model says, or fails naming every field that does not conform. */
function conforms<T>(model: z.ZodType<T>, text: string): T {
  const parsed = model.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`not the Phase 1 model: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

describe('the Phase 1 contract', () => {
  it('GET / is the Phase 1 index', async () => {
    const { status, text } = await get(api, '/');
    expect(status).toBe(200);
    conforms(phase1.root, text);
  });

  it('GET /health is the Phase 1 health model, counting the trades stored', async () => {
    const { status, text } = await get(api, '/health');
    expect(status).toBe(200);
    const health = conforms(phase1.health, text);
    expect(health).toMatchObject({ status: 'healthy', database: 'connected' });
    expect(health.last_trade_count).toBe(TRADES.length);
    expect(health.last_ingestion).not.toBeNull();
  });

  it('GET /health is a 503 with the reason in detail when the database is down', async () => {
    const { status, text } = await get(apiWithoutDatabase, '/health');
    expect(status).toBe(503);
    expect(conforms(phase1.error, text).detail).toMatch(/database/i);
  });

  it('GET /symbols is the Phase 1 symbols model', async () => {
    const { status, text } = await get(api, '/symbols');
    expect(status).toBe(200);
    const symbols = conforms(phase1.symbols, text);
    expect(symbols.symbols.map((s) => s.symbol)).toEqual(['AAPL', 'IBM', 'MSFT']);
    expect(symbols.count).toBe(3);
  });

  it('GET /price/latest answers price and volume as numbers, written with the exact stored digits', async () => {
    const msft = await get(api, '/price/latest?symbol=MSFT');
    expect(msft.status).toBe(200);
    expect(conforms(phase1.latestPrice, msft.text)).toMatchObject({
      symbol: 'MSFT',
      price: 380.19,
      volume: 4171,
    });
    const aapl = await get(api, '/price/latest?symbol=aapl');
    conforms(phase1.latestPrice, aapl.text);
    expect(aapl.text).toContain('"price":12345678901234.12345678,"volume":0.00000001,');
  });

  it.each([
    ['an unknown symbol', '/price/latest?symbol=NOPE', /NOPE/],
    ['a symbol without trades', '/price/latest?symbol=IBM', /IBM/],
  ])('GET /price/latest of %s is a 404 with the reason in detail', async (_case, path, reason) => {
    const { status, text } = await get(api, path);
    expect(status).toBe(404);
    expect(conforms(phase1.error, text).detail).toMatch(reason);
  });

  it('the OpenAPI document gives the same types', async () => {
    const { text } = await get(api, '/openapi.json');
    const { components, paths } = JSON.parse(text) as {
      components: { schemas: Record<string, { properties: Record<string, { type?: string }> }> };
      paths: Record<string, { get: { responses: Record<string, unknown> } }>;
    };
    const latest = components.schemas.LatestPrice?.properties;
    expect([latest?.price?.type, latest?.volume?.type]).toEqual(['number', 'number']);
    const health = components.schemas.Health?.properties ?? {};
    expect(Object.keys(health)).toEqual(
      expect.arrayContaining([
        'status',
        'service',
        'database',
        'timestamp',
        'last_trade_count',
        'last_ingestion',
      ]),
    );
    expect(components.schemas.Error?.properties).toHaveProperty('detail');
    expect(Object.keys(paths['/health']?.get.responses ?? {})).toContain('503');
  });
});
