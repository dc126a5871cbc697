/**
 * The typed client (client/) against the api as deployed — the Functions Framework over a real
 * PostgreSQL, trades stored by writeTrades as persist stores them: typed calls answer what the raw
 * HTTP answers, errors carry the envelope, and subscribe resumes across ends, cuts and restarts
 * with every trade exactly once and in order, reports a reset, stops on a fatal answer, and leaves
 * nothing running once closed.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_ERROR_CODES,
  createMarketDataClient,
  MarketDataError,
  type MarketDataClient,
  type ReconnectInfo,
  type StreamEvent,
  type SubscribeOptions,
  type SubscribeParams,
  type Subscription,
} from '../../client/src/index.js';
import { createApiFunction } from '../../functions/api/api-function.js';
import {
  CLIENT_TYPES_PATH,
  generateClientTypes,
} from '../../infra/client-types/generate-client-types.js';
import { createApiKey } from '../../shared/auth/api-key-store.js';
import { loadApiConfig } from '../../shared/config/function-config.js';
import { writeTrades } from '../../shared/trades/write-trades.js';
import { close } from '../support/http-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const root = join(import.meta.dirname, '..', '..');
let db: TestDatabase;
let readKey: string;
let adminKey: string;
/** REQUIRE_API_KEY=true, as deployed. */
let keyedBase: string;
/** Streams end after 1 s (STREAM_MAX_SECONDS). */
let shortBase: string;
const servers: Server[] = [];
const subscriptions: Subscription[] = [];

/** The api function as deployed, with `env`, on `port` (a free one by default). */
async function startApi(name: string, env: Record<string, string> = {}, port = 0) {
  http(
    name,
    createApiFunction(loadApiConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'error', ...env })),
  );
  const server = getTestServer(name);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, base: `http://127.0.0.1:${address.port}`, port: address.port };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`
    insert into symbols (symbol, name)
    select s, s || ' Inc.' from unnest(array['AAPL', 'MSFT', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7']) s`;
  // REST fixtures: three AAPL minutes and one MSFT trade, in the past.
  await writeTrades(
    db.sql,
    {
      v: 1,
      source: 'test',
      trades: [
        {
          trade_id: 'AAPL-1',
          symbol: 'AAPL',
          price: '187.23',
          volume: '1200',
          ts: '2025-01-06T16:00:05.000Z',
        },
        {
          trade_id: 'AAPL-2',
          symbol: 'AAPL',
          price: '187.5',
          volume: '800',
          ts: '2025-01-06T16:01:10.000Z',
        },
        {
          trade_id: 'AAPL-3',
          symbol: 'AAPL',
          price: '186.9',
          volume: '300',
          ts: '2025-01-06T16:02:20.000Z',
        },
        {
          trade_id: 'MSFT-1',
          symbol: 'MSFT',
          price: '401.1',
          volume: '50',
          ts: '2025-01-06T16:00:00.000Z',
        },
      ],
    },
    'client-fixtures',
  );
  readKey = (await createApiKey(db.sql, { role: 'read' })).key;
  adminKey = (await createApiKey(db.sql, { role: 'admin', name: 'client-test' })).key;
  keyedBase = (await startApi('client-api', { REQUIRE_API_KEY: 'true' })).base;
  shortBase = (await startApi('client-api-short', { STREAM_MAX_SECONDS: '1' })).base;
});
afterAll(async () => {
  for (const subscription of subscriptions) subscription.close();
  await Promise.all(subscriptions.map((subscription) => subscription.closed));
  await Promise.all(servers.filter((server) => server.listening).map(close));
  await db.drop();
});

let counter = 0;

/** Stores `count` trades of `symbol` now, one transaction; returns their trade ids in order. */
async function write(symbol: string, count = 1): Promise<string[]> {
  const trades = Array.from({ length: count }, () => {
    counter++;
    return {
      trade_id: `${symbol}-${String(counter).padStart(6, '0')}`,
      symbol,
      price: `${100 + counter}.25`,
      volume: '3',
      ts: new Date().toISOString(),
    };
  });
  const result = await writeTrades(db.sql, { v: 1, source: 'test', trades }, `client-${counter}`);
  expect(result).toMatchObject({ ok: true, inserted: count });
  return trades.map((trade) => trade.trade_id);
}

/** The stream id of a trade stored now: a position to subscribe from, so no trade after it is missed. */
async function marker(symbol: string): Promise<string> {
  const [tradeId] = await write(symbol);
  const [row] = await db.sql<{ id: string }[]>`
    select xid::text || '-' || seq::text as id from trades where trade_id = ${tradeId ?? ''}`;
  return row?.id ?? '';
}

/** A subscription whose events, fatal errors and reconnects the test reads. */
function follow(
  client: MarketDataClient,
  params: SubscribeParams,
  options: SubscribeOptions = {},
  onEvent: (event: StreamEvent) => void = () => undefined,
) {
  const events: StreamEvent[] = [];
  const errors: MarketDataError[] = [];
  const reconnects: ReconnectInfo[] = [];
  const subscription = client.subscribe(
    params,
    (event) => {
      onEvent(event);
      events.push(event);
    },
    {
      ...options,
      onError: (error) => errors.push(error),
      onReconnect: (info) => reconnects.push(info),
    },
  );
  subscriptions.push(subscription);
  const trades = () => events.flatMap((event) => (event.type === 'trade' ? [event] : []));
  const tradeIds = () => trades().map((event) => event.data.trade_id);
  const untilTrades = (count: number, timeoutMs = 15_000) =>
    waitFor(
      `${count} trades (have ${tradeIds().length})`,
      () => (tradeIds().length >= count ? true : undefined),
      timeoutMs,
      20,
    );
  return { events, errors, reconnects, subscription, trades, tradeIds, untilTrades };
}

/** fetch, counted and recorded: what the client asked for and with which headers. */
function recordingFetch() {
  const requests: { url: string; headers: Headers }[] = [];
  const fetcher: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    requests.push({ url: request.url, headers: request.headers });
    return fetch(request);
  };
  return { requests, fetch: fetcher };
}

/** How a raw request differs from a GET with a read key. */
interface RawInit {
  admin?: boolean;
  /** A JSON body, POSTed. */
  body?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('typed REST calls', () => {
  let reader: MarketDataClient;
  let admin: MarketDataClient;
  beforeAll(() => {
    reader = createMarketDataClient({ baseUrl: keyedBase, apiKey: readKey });
    admin = createMarketDataClient({ baseUrl: `${keyedBase}/`, apiKey: adminKey });
  });

  /** The raw HTTP answer to `path`, with a read key (an admin key with `admin`). */
  async function raw(path: string, { admin = false, body }: RawInit = {}) {
    const response = await fetch(`${keyedBase}${path}`, {
      headers: { 'x-api-key': admin ? adminKey : readKey, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { method: 'POST', body }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const [from, to] = ['2025-01-06T16:00:00Z', '2025-01-06T17:00:00Z'];
  it.each<[string, () => Promise<{ data: unknown; response: Response }>, string, RawInit?]>([
    ['GET /', () => reader.GET('/'), '/'],
    ['GET /symbols', () => reader.GET('/symbols'), '/symbols'],
    [
      'GET /price/latest?symbol=',
      () => reader.GET('/price/latest', { params: { query: { symbol: 'aapl' } } }),
      '/price/latest?symbol=aapl',
    ],
    [
      'GET /price/latest?symbols=',
      () => reader.GET('/price/latest', { params: { query: { symbols: 'AAPL,MSFT,S7' } } }),
      '/price/latest?symbols=AAPL,MSFT,S7',
    ],
    [
      'POST /price/latest',
      () => reader.POST('/price/latest', { body: { symbols: ['AAPL', 'msft'] } }),
      '/price/latest',
      { body: '{"symbols":["AAPL","msft"]}' },
    ],
    [
      'GET /trades',
      () =>
        reader.GET('/trades', {
          params: { query: { symbol: 'AAPL', start: from, end: to, order: 'asc', limit: 2 } },
        }),
      `/trades?symbol=AAPL&start=${from}&end=${to}&order=asc&limit=2`,
    ],
    [
      'GET /candles',
      () =>
        reader.GET('/candles', {
          params: { query: { symbol: 'AAPL', interval: '1m', start: from, end: to } },
        }),
      `/candles?symbol=AAPL&interval=1m&start=${from}&end=${to}`,
    ],
    [
      'GET /indicators',
      () =>
        reader.GET('/indicators', {
          params: {
            query: { symbol: 'AAPL', interval: '1m', type: 'sma', window: 2, start: from, end: to },
          },
        }),
      `/indicators?symbol=AAPL&interval=1m&type=sma&window=2&start=${from}&end=${to}`,
    ],
    [
      'GET /admin/rejected',
      () => admin.GET('/admin/rejected', { params: { query: { limit: 5 } } }),
      '/admin/rejected?limit=5',
      { admin: true },
    ],
  ])('%s: data equals the raw HTTP answer', async (_name, call, path, init) => {
    const { data, response } = await call();
    const expected = await raw(path, init);
    expect(response.status).toBe(expected.status);
    expect(data).toEqual(expected.body);
    // Not vacuous: each fixture answers something.
    expect(JSON.stringify(data).length).toBeGreaterThan(20);
  });

  it('types the answers: fields, the Phase 1 numbers, paging with next_cursor', async () => {
    const { data: latest } = await reader.GET('/price/latest', {
      params: { query: { symbol: 'AAPL' } },
    });
    expect(latest).toMatchObject({ symbol: 'AAPL', price: 186.9, trade_id: 'AAPL-3' });
    const query = { symbol: 'AAPL', start: from, end: to, order: 'asc', limit: 2 } as const;
    const { data: first } = await reader.GET('/trades', { params: { query } });
    expect(first.next_cursor).toEqual(expect.any(String));
    const { data: second } = await reader.GET('/trades', {
      params: { query: { ...query, cursor: first.next_cursor ?? '' } },
    });
    expect([...first.trades, ...second.trades].map((trade) => trade.trade_id)).toEqual([
      'AAPL-1',
      'AAPL-2',
      'AAPL-3',
    ]);
    expect(second.next_cursor).toBeNull();
    const { data: metrics } = await reader.GET('/metrics', { parseAs: 'text' });
    expect(metrics).toContain('http_requests_total');
  });

  it('admin calls with path parameters and bodies: POST, PATCH, DELETE /symbols', async () => {
    const { data: created, response } = await admin.POST('/symbols', {
      body: { symbol: 'newco', name: 'New Co' },
    });
    expect(response.status).toBe(201);
    expect(created).toMatchObject({ symbol: 'NEWCO', name: 'New Co', active: true });
    const { data: renamed } = await admin.PATCH('/symbols/{symbol}', {
      params: { path: { symbol: 'newco' } },
      body: { name: 'Renamed Co' },
    });
    expect(renamed).toMatchObject({ symbol: 'NEWCO', name: 'Renamed Co' });
    const { data: removed } = await admin.DELETE('/symbols/{symbol}', {
      params: { path: { symbol: 'NEWCO' } },
    });
    expect(removed).toMatchObject({ symbol: 'NEWCO', active: false });
    const { data: listed } = await reader.GET('/symbols');
    expect(listed.symbols.map((s) => s.symbol)).not.toContain('NEWCO');
  });

  it('a 404 rejects with a MarketDataError carrying the envelope', async () => {
    const error = await reader
      .GET('/price/latest', { params: { query: { symbol: 'NOPE' } } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MarketDataError);
    const expected = await raw('/price/latest?symbol=NOPE');
    expect(error).toMatchObject({
      name: 'MarketDataError',
      status: 404,
      code: 'symbol_not_found',
      message: expected.body.message,
      detail: expected.body.detail,
      details: [],
    });
    expect((error as MarketDataError).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each<[string, () => Promise<unknown>, number, string]>([
    [
      'a timestamp without a zone',
      () =>
        createMarketDataClient({ baseUrl: keyedBase, apiKey: readKey }).GET('/trades', {
          params: { query: { symbol: 'AAPL', start: '2025-01-06T16:00:00' } },
        }),
      400,
      'invalid_parameter',
    ],
    [
      'no key where the api needs one',
      () => createMarketDataClient({ baseUrl: keyedBase }).GET('/symbols'),
      401,
      'api_key_required',
    ],
    [
      'a read key on an admin route',
      () => createMarketDataClient({ baseUrl: keyedBase, apiKey: readKey }).GET('/admin/rejected'),
      403,
      'forbidden',
    ],
    [
      'a symbol that exists',
      () =>
        createMarketDataClient({ baseUrl: keyedBase, apiKey: adminKey }).POST('/symbols', {
          body: { symbol: 'AAPL', name: 'Again' },
        }),
      409,
      'symbol_exists',
    ],
  ])('%s → MarketDataError %i %s', async (_name, call, status, code) => {
    const error = await call().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MarketDataError);
    expect(error).toMatchObject({ status, code });
    if (code === 'invalid_parameter')
      expect((error as MarketDataError).details[0]).toMatchObject({ parameter: 'start' });
  });

  it('knows every error code the api throws (a new one fails here until the client lists it)', async () => {
    const codes = new Set<string>();
    for (const dir of ['functions/api', 'shared']) {
      const files = (await readdir(join(root, dir), { recursive: true })).filter((file) =>
        file.endsWith('.ts'),
      );
      for (const file of files) {
        const source = await readFile(join(root, dir, file), 'utf8');
        for (const match of source.matchAll(/new AppError\(\s*\d+,\s*'([a-z_]+)'/g))
          codes.add(match[1] ?? '');
      }
    }
    expect(codes.size).toBeGreaterThan(8);
    expect(
      [...codes].filter((code) => !(API_ERROR_CODES as readonly string[]).includes(code)),
    ).toEqual([]);
  });
});

describe('subscribe', () => {
  it('receives trades and prices, the key in a header and never in the URL, resuming from a saved id', async () => {
    const from = await marker('S1');
    const recorder = recordingFetch();
    const client = createMarketDataClient({
      baseUrl: keyedBase,
      apiKey: readKey,
      fetch: recorder.fetch,
    });
    const followed = follow(client, {
      symbols: ['s1'],
      events: ['trades', 'prices'],
      lastEventId: from,
    });
    const written = [...(await write('S1', 2)), ...(await write('S1'))];
    await followed.untilTrades(3);
    expect(followed.tradeIds()).toEqual(written);
    // The same trades /trades lists, plus the symbol.
    const { data } = await client.GET('/trades', {
      params: { query: { symbol: 'S1', order: 'asc', limit: 10 } },
    });
    expect(followed.trades().map((event) => event.data)).toEqual(
      data.trades.slice(1).map((trade) => ({ ...trade, symbol: 'S1' })),
    );
    expect(followed.trades().every((event) => /^\d+-\d+$/.test(event.id))).toBe(true);
    expect(followed.subscription.lastEventId).toBe(followed.trades().at(-1)?.id);
    await waitFor('the last price', () =>
      followed.events.some((e) => e.type === 'price' && e.data.trade_id === written.at(-1))
        ? true
        : undefined,
    );
    const streamRequests = recorder.requests.filter((r) => r.url.includes('/stream'));
    expect(streamRequests).toHaveLength(1);
    const [request] = streamRequests;
    expect(request?.url).toBe(`${keyedBase}/stream?symbols=s1&events=trades%2Cprices`);
    expect(request?.headers.get('x-api-key')).toBe(readKey);
    expect(request?.headers.get('last-event-id')).toBe(from);
    expect(followed.errors).toEqual([]);
  });

  it(
    'the api ends its streams every second: reconnects at once, every trade exactly once, in order',
    { timeout: 30_000 },
    async () => {
      const client = createMarketDataClient({ baseUrl: shortBase });
      const followed = follow(client, { symbols: ['S2'], lastEventId: await marker('S2') });
      const written: string[] = [];
      // 3.5 s of trades, one or two at a time, across at least three ends of the stream.
      for (const started = Date.now(); Date.now() - started < 3_500; await sleep(60))
        written.push(...(await write('S2', 1 + (written.length % 2))));
      await followed.untilTrades(written.length);
      await sleep(300);
      expect(followed.tradeIds()).toEqual(written);
      const ends = followed.reconnects.filter((info) => info.reason === 'end');
      expect(ends.length).toBeGreaterThanOrEqual(2);
      expect(ends.every((info) => info.delayMs === 0)).toBe(true);
      expect(followed.events.filter((event) => event.type === 'end').length).toBe(ends.length);
      expect(followed.errors).toEqual([]);
    },
  );

  it(
    'the connection is cut and the api restarts on the same port: resumes with nothing missed or repeated',
    { timeout: 30_000 },
    async () => {
      const first = await startApi('client-api-before-restart');
      const client = createMarketDataClient({ baseUrl: first.base });
      const followed = follow(client, { symbols: ['S3'], lastEventId: await marker('S3') });
      const written = await write('S3', 5);
      await followed.untilTrades(5);
      await close(first.server);
      // Stored while no api runs: the client must fetch them on its return.
      written.push(...(await write('S3', 4)));
      await sleep(400);
      await startApi('client-api-after-restart', {}, first.port);
      written.push(...(await write('S3', 3)));
      await followed.untilTrades(written.length, 20_000);
      await sleep(300);
      expect(followed.tradeIds()).toEqual(written);
      expect(followed.reconnects.length).toBeGreaterThanOrEqual(1);
      expect(['network', 'closed']).toContain(followed.reconnects[0]?.reason);
      // Waited before trying again (the api's `retry: 2000`, halved at most by the jitter).
      expect(followed.reconnects[0]?.delayMs).toBeGreaterThanOrEqual(1_000);
      expect(followed.errors).toEqual([]);
    },
  );

  it('reports a reset for an id it cannot resume, then goes on with live trades', async () => {
    const client = createMarketDataClient({ baseUrl: shortBase });
    const followed = follow(client, { symbols: ['S4'], lastEventId: '999999999-1' });
    await waitFor('the reset', () => (followed.events.length > 0 ? true : undefined));
    expect(followed.events[0]).toMatchObject({
      type: 'reset',
      data: { reason: 'unknown_event_id', resync: '/trades' },
    });
    const written = await write('S4', 2);
    await followed.untilTrades(2);
    expect(followed.tradeIds()).toEqual(written);
    expect(followed.subscription.lastEventId).toBe(followed.trades().at(-1)?.id);
    expect(followed.errors).toEqual([]);
  });

  it.each([
    ['an unknown symbol', () => readKey, 'NOPE', 404, 'symbol_not_found'],
    ['no key where the api needs one', () => undefined, 'AAPL', 401, 'api_key_required'],
  ])(
    '%s is fatal: one MarketDataError, one request, no retry',
    async (_name, key, symbol, status, code) => {
      const recorder = recordingFetch();
      const apiKey = key();
      const client = createMarketDataClient({
        baseUrl: keyedBase,
        fetch: recorder.fetch,
        ...(apiKey === undefined ? {} : { apiKey }),
      });
      const followed = follow(client, { symbols: [symbol] }, { initialDelayMs: 50 });
      await followed.subscription.closed;
      await sleep(1_000);
      expect(followed.errors).toHaveLength(1);
      expect(followed.errors[0]).toBeInstanceOf(MarketDataError);
      expect(followed.errors[0]).toMatchObject({ status, code });
      expect(recorder.requests).toHaveLength(1);
      expect(followed.reconnects).toEqual([]);
    },
  );

  it('a 503 too_many_streams is retried, no sooner than its Retry-After', async () => {
    const limited = await startApi('client-api-limited', { STREAM_MAX_CLIENTS: '1' });
    const client = createMarketDataClient({ baseUrl: limited.base });
    const holder = follow(client, { symbols: ['S5'], lastEventId: await marker('S5') });
    await write('S5');
    await holder.untilTrades(1);
    const refused = follow(client, { symbols: ['S5'] }, { initialDelayMs: 10 });
    await waitFor('the refusal', () => (refused.reconnects.length > 0 ? true : undefined));
    refused.subscription.close();
    expect(refused.reconnects[0]).toMatchObject({ reason: 'status', attempt: 0 });
    expect(refused.reconnects[0]?.delayMs).toBeGreaterThanOrEqual(5_000);
    expect(refused.reconnects[0]?.error).toMatchObject({
      status: 503,
      code: 'too_many_streams',
      retryAfterSeconds: 5,
    });
    expect(refused.errors).toEqual([]);
    await refused.subscription.closed;
  });

  it('a handler that throws stops the subscription before that event counts as handled', async () => {
    const from = await marker('S6');
    const client = createMarketDataClient({ baseUrl: shortBase });
    const followed = follow(client, { symbols: ['S6'], lastEventId: from }, {}, (event) => {
      if (event.type === 'trade') throw new Error('cannot store it');
    });
    await write('S6');
    await followed.subscription.closed;
    expect(followed.errors).toHaveLength(1);
    expect(followed.errors[0]).toMatchObject({ code: 'handler_failed', status: 0 });
    expect((followed.errors[0]?.cause as Error).message).toBe('cannot store it');
    expect(followed.subscription.lastEventId).toBe(from);
    expect(followed.events).toEqual([]);
  });

  it('close() from onEvent: no event and no request after it', async () => {
    const recorder = recordingFetch();
    const client = createMarketDataClient({ baseUrl: shortBase, fetch: recorder.fetch });
    const followed = follow(
      client,
      { symbols: ['S7'], lastEventId: await marker('S7') },
      {},
      () => {
        // Runs only once events arrive, after `followed` is assigned.
        followed.subscription.close();
      },
    );
    await write('S7', 3);
    await followed.subscription.closed;
    await write('S7');
    // Past the stream's 1 s end, where a live subscription would reconnect.
    await sleep(1_500);
    expect(followed.events).toHaveLength(1);
    expect(recorder.requests).toHaveLength(1);
  });

  it.each([
    ['after a trade', 'live'],
    ['while waiting to reconnect to an api that is down', 'down'],
  ])('a process that closes its subscription %s exits by itself', async (_name, mode) => {
    const from = await marker('S7');
    await write('S7');
    const base = mode === 'live' ? shortBase : 'http://127.0.0.1:9';
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'test/support/subscribe-then-close.ts'),
        base,
        'S7',
        from,
        mode,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('exit', (exitCode) => {
        clearTimeout(killer);
        resolve(exitCode);
      });
    });
    // Exactly these lines: no `alive [...]` (something held the process after close), no event
    // or reconnect after close.
    expect(output).toMatch(
      mode === 'live' ? /^trade S7-\d+\nclosed\n$/ : /^reconnect network\nclosed\n$/,
    );
    expect(code).toBe(0);
  });
});

describe('client/src/openapi.d.ts', () => {
  it('is what the api documents today', async () => {
    const committed = await readFile(CLIENT_TYPES_PATH, 'utf8');
    expect(
      committed === (await generateClientTypes()),
      'client/src/openapi.d.ts is out of date: run `npm run generate:client` and commit it',
    ).toBe(true);
  });
});
