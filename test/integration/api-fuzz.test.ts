/**
 * Property-based fuzz of the api (createApp against a real database holding trades): random and
 * hostile query strings, paths, methods, headers and bodies over every route. Whatever arrives,
 * the api never answers 5xx, never shows a stack trace or an internal message, always sets
 * X-Request-Id (the caller's when safe), and every error is the one envelope.
 */
import { createServer, request as httpRequest } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { answerUnbuildableRequest } from '../../functions/api/lib/unbuildable-request.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { createApiKey } from '../../shared/auth/api-key-store.js';
import { captureLogger } from '../support/capture-logger.js';
import { close, listen } from '../support/http-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const FUZZ_RUNS = 5_000;
const ALLOWED_ORIGIN = 'https://allowed.example';
const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;
const ENVELOPE_KEYS = ['detail', 'details', 'error', 'message', 'request_id', 'status'];
/** What no answer may contain: a stack trace (its frame lines, or source paths with line numbers). */
const STACK_TRACE = /\n\s+at \S|[\w/.:-]+\.[cm]?[jt]s:\d+(?::\d+)?|node_modules\//;
/** What no error may contain unless the caller sent it: internals and leaked JavaScript values. */
const INTERNALS =
  /postgres|SQLSTATE|Error:|TypeError|RangeError|undefined|\[object Object\]|\bNaN\b|relation "|column "/i;

interface Route {
  method: string;
  path: string;
  params: string[];
  body?: boolean;
}

/** Every route of createApp, with the query parameters it reads. */
const ROUTES: Route[] = [
  { method: 'GET', path: '/', params: [] },
  { method: 'GET', path: '/health', params: [] },
  { method: 'GET', path: '/symbols', params: [] },
  { method: 'GET', path: '/price/latest', params: ['symbol', 'symbols', 'as_of'] },
  { method: 'POST', path: '/price/latest', params: [], body: true },
  {
    method: 'GET',
    path: '/trades',
    params: ['symbol', 'start', 'end', 'limit', 'order', 'cursor', 'as_of'],
  },
  {
    method: 'GET',
    path: '/candles',
    params: ['symbol', 'interval', 'start', 'end', 'limit', 'fill', 'as_of', 'timezone'],
  },
  {
    method: 'GET',
    path: '/indicators',
    params: [
      'symbol',
      'interval',
      'type',
      'window',
      'short',
      'long',
      'signal',
      'k',
      'd',
      'smooth',
      'series',
      'start',
      'end',
      'limit',
      'fill',
    ],
  },
  { method: 'GET', path: '/status/ingestion', params: [] },
  { method: 'GET', path: '/metrics', params: [] },
  { method: 'GET', path: '/openapi.json', params: [] },
  { method: 'GET', path: '/docs', params: [] },
  { method: 'GET', path: '/dashboard', params: [] },
  { method: 'GET', path: '/anomalies', params: ['symbol', 'kind', 'since', 'limit', 'cursor'] },
  { method: 'GET', path: '/admin/rejected', params: ['limit'] },
  { method: 'GET', path: '/admin/alert-rules', params: [] },
  { method: 'PUT', path: '/admin/alert-rules', params: [], body: true },
  { method: 'POST', path: '/symbols', params: [], body: true },
  { method: 'PATCH', path: '/symbols/ZZFUZZ', params: [], body: true },
  { method: 'DELETE', path: '/symbols/ZZGONE', params: [] },
];
const PARAMS = [...new Set(ROUTES.flatMap((route) => route.params))];

const cursorOf = (values: unknown) =>
  Buffer.from(typeof values === 'string' ? values : JSON.stringify(values)).toString('base64url');

/** The names every object inherits: a lookup with `in` or `obj[name]` finds them. */
const INHERITED_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
];

/** Values chosen to break parsers, SQL, timestamps, numbers and encodings. */
const HOSTILE_VALUES = [
  '',
  ' ',
  "'",
  '"',
  "AAPL' OR '1'='1",
  "AAPL'; DROP TABLE trades; --",
  '1; select pg_sleep(10)',
  "' UNION SELECT password FROM pg_shadow --",
  '$1',
  '%',
  '%%',
  '%zz',
  '%00',
  '\u0000',
  'AAPL\u0000',
  'AAPL%00',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%80',
  '%FF%FE',
  '\uD800',
  '\uDFFF',
  'A\uD83DB',
  '\u202E\u0041APL',
  '\uFEFFAAPL',
  'ＡＡＰＬ',
  'İ',
  'ß',
  '𝕬𝕬𝕻𝕷',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  'AAPL'.repeat(5),
  'A'.repeat(17),
  'A'.repeat(10_000),
  '9'.repeat(400),
  'aapl',
  'AAPL',
  'AAPL,MSFT',
  ',',
  ',,,',
  Array.from({ length: 101 }, (_, i) => `S${i}`).join(','),
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '-0',
  '0',
  '1',
  '1.5',
  '1e3',
  '1e309',
  '0x10',
  '1_000',
  '1000',
  '1001',
  '5000',
  '5001',
  '9999999',
  '99999999999999999999',
  '9007199254740993',
  '8640000000000000',
  '8640000000000001',
  '253402300799999',
  '253402300800000',
  '999999999999999',
  '2026-11-21T16:00:00Z',
  '2026-11-21T16:00:00',
  '2026-11-21T16:00:00+25:00',
  '2026-11-21T16:00:00.123456789Z',
  '2026-02-30T00:00:00Z',
  '2026-11-21T24:00:00Z',
  '0000-01-01T00:00:00Z',
  '1969-12-31T23:59:59Z',
  '9999-12-31T23:59:59Z',
  '9999-12-31T23:59:59-23:59',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  'yesterday',
  'now',
  'asc',
  'desc',
  'ASC',
  '1m',
  '5m',
  '1h',
  '1d',
  '1w',
  '0m',
  ...INHERITED_NAMES,
  'previous',
  'none',
  cursorOf(['AAPL', 'desc', '2026-11-21T00:00:00Z', '2026-11-22T00:00:00Z', '1', '1']),
  cursorOf([
    'AAPL',
    'asc',
    '2026-11-21T00:00:00Z',
    '2026-11-22T00:00:00Z',
    '2026-11-21T16:00:00Z',
    '99999999999999999999',
  ]),
  cursorOf(['AAPL', 'desc', '1', '2', '3', '4']),
  cursorOf(['AAPL', 'desc', 'May 1', 'June 1', 'Tue', '1']),
  cursorOf(['AAPL', 'desc', '+275760-09-13T00:00:00Z', '2026-01-01T00:00:00Z', '1970', '1']),
  cursorOf(["AAPL' --", 'desc', '2026-11-21T00:00:00Z', '2026-11-22T00:00:00Z', '0', '0']),
  cursorOf([null, 1, {}, [], true, 'x']),
  cursorOf({ symbol: 'AAPL' }),
  cursorOf('not json'),
  cursorOf('\u0000'),
];

/** Paths only a raw socket can send: a URL parser would normalise or refuse them. */
const RAW_PATHS = [
  '/symbols/../admin/rejected',
  '/./health',
  '//symbols',
  '/price/latest/..',
  '/%',
  '/symbols?symbol=%',
  '/trades?symbol=AAPL&start=%ZZ',
  'http://evil.example/symbols',
];

/**
 * Request-targets @hono/node-server cannot turn into a fetch Request (a backslash in the path, the
 * asterisk form): the app never runs, and answerUnbuildableRequest() answers a 400 with the
 * envelope. (Through the Functions Framework, Express answers `*` itself, with an HTML 404.)
 */
const MALFORMED_TARGETS = ['/\\symbols', '/price\\latest', '*'];

const HOSTILE_PATHS = [
  '/price/latest/',
  '/PRICE/LATEST',
  '/price//latest',
  '/price/latest%00',
  '/price/%2e%2e/symbols',
  '/./symbols',
  '/symbols/../admin/rejected',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/symbols/%00',
  '/symbols/%ZZ',
  '/symbols/%ED%A0%80',
  `/symbols/${'A'.repeat(5_000)}`,
  '/symbols/AAPL%27%20OR%201=1',
  '/admin',
  '/admin/',
  '/admin/rejected/1',
  '/docs/assets/../../package.json',
  '/docs/assets/%2e%2e%2fpackage.json',
  '/dashboard/assets/../../package.json',
  '/dashboard/assets/%2e%2e%2fmanifest.json',
  '/dashboard/assets/manifest.json',
  '/openapi.json/x',
  '/metrics/../health',
  '/__proto__',
  '/constructor',
  '/*',
  '/%',
  '/;',
  '/trades;symbol=AAPL',
];

/** Methods a Request can carry (the Fetch API refuses TRACE, TRACK and CONNECT: see RAW_METHODS). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'get'];
/** Sent over a real socket, as any client may. */
const RAW_METHODS = [...METHODS, 'TRACE', 'M-SEARCH', 'PURGE', 'SEARCH'];

/** Percent-encodes what can be encoded; a lone surrogate or a raw value goes in as it is. */
function encode(value: string, raw: boolean): string {
  if (raw) return value;
  try {
    return encodeURIComponent(value);
  } catch {
    return value;
  }
}

const loneSurrogates = fc
  .array(fc.integer({ min: 0xd800, max: 0xdfff }), { minLength: 1, maxLength: 3 })
  .map((codes) => String.fromCharCode(...codes));

const valueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_VALUES) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: loneSurrogates },
  { weight: 1, arbitrary: fc.bigInt().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.integer({ min: -1, max: 20_000 }).map(String) },
  // Epoch milliseconds anywhere a JavaScript Date can reach, most of them past year 9999.
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 9_000_000_000_000_000 }).map(String) },
  {
    weight: 2,
    arbitrary: fc.date({ noInvalidDate: false }).map((d) => {
      try {
        return d.toISOString();
      } catch {
        return String(d.getTime());
      }
    }),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }).map((s) => s.repeat(2_000)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...HOSTILE_VALUES), fc.constantFrom(...HOSTILE_VALUES))
      .map(([a, b]) => a + b),
  },
);

const nameArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...PARAMS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('SYMBOL', 'symbol[]', 'symbol[0]', '__proto__', '', '%00', 'a b'),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

const queryArb = fc
  .array(fc.tuple(nameArb, valueArb, fc.boolean()), { maxLength: 7 })
  .map((pairs) =>
    pairs.map(([name, value, raw]) => `${encode(name, raw)}=${encode(value, raw)}`).join('&'),
  );

/** A valid query per route: mutated one or two parameters at a time, it reaches the handlers and SQL. */
const VALID_QUERIES: Record<string, Record<string, string>> = {
  '/price/latest': { symbol: 'AAPL' },
  '/trades': {
    symbol: 'AAPL',
    start: '2026-11-20T00:00:00Z',
    end: '2026-11-22T00:00:00Z',
    limit: '50',
    order: 'asc',
  },
  '/candles': {
    symbol: 'AAPL',
    interval: '1h',
    start: '2026-11-20T00:00:00Z',
    end: '2026-11-21T00:00:00Z',
    fill: 'previous',
  },
  '/indicators': {
    symbol: 'AAPL',
    interval: '1h',
    type: 'macd',
    start: '2026-11-20T00:00:00Z',
    end: '2026-11-21T00:00:00Z',
  },
  '/admin/rejected': { limit: '10' },
  '/anomalies': { symbol: 'AAPL', kind: 'price_spike', since: '2026-11-20T00:00:00Z', limit: '10' },
};

/** Instants from before 1970 to past year 9999, as ISO 8601 (any offset) or epoch milliseconds. */
const instantArb = fc
  .tuple(
    // Unbiased (fast-check favours small values and edges), and mostly within the 15 digits an
    // epoch parameter may have, years 1970 to 33658.
    fc.oneof(
      fc.noBias(fc.integer({ min: -100_000_000_000_000, max: 999_999_999_999_999 })),
      fc.noBias(fc.integer({ min: 0, max: 8_640_000_000_000_000 })),
    ),
    fc.constantFrom('Z', '+00:00', '-23:59', '+14:00', '+05:30', ''),
    fc.boolean(),
  )
  .map(([ms, zone, asEpoch]) => {
    if (asEpoch) return String(ms);
    const iso = new Date(ms).toISOString();
    return zone === 'Z' ? iso : iso.replace(/Z$/, zone);
  });

/** Values shaped for each parameter, valid or nearly so: they get past validation into the SQL. */
const PARAM_VALUES: Record<string, fc.Arbitrary<string>> = {
  symbol: fc.constantFrom('AAPL', 'aapl', 'MSFT', 'NOPE', 'ZZFUZZ', 'ZZGONE', 'A.B-C_D'),
  symbols: fc
    .array(fc.constantFrom('AAPL', 'msft', 'NOPE', 'ZZFUZZ', 'X', ''), { maxLength: 120 })
    .map((list) => list.join(',')),
  start: instantArb,
  end: instantArb,
  as_of: instantArb,
  limit: fc.integer({ min: -2, max: 10_001 }).map(String),
  order: fc.constantFrom('asc', 'desc', 'ASC', 'random'),
  interval: fc.constantFrom(
    '1m',
    '5m',
    '15m',
    '1h',
    '4h',
    '1d',
    '1w',
    '2m',
    '60s',
    '37m',
    '7s',
    '1M',
    '3M',
    '1y',
    '11y',
    '24h',
    '1441m',
  ),
  timezone: fc.constantFrom(
    'UTC',
    'America/New_York',
    'america/santiago',
    'Asia/Kolkata',
    'Pacific/Apia',
    'IST',
    'Factory',
    '+05:00',
    'Mars/Olympus',
    '',
  ),
  fill: fc.constantFrom('none', 'previous', 'next', ''),
  cursor: fc
    .tuple(
      fc.constantFrom('AAPL', 'MSFT', "AAPL'--"),
      fc.constantFrom('asc', 'desc', 'sideways'),
      fc.oneof(instantArb, valueArb),
      fc.oneof(instantArb, valueArb),
      fc.oneof(instantArb, valueArb),
      fc.oneof(fc.bigInt({ min: -1n, max: 2n ** 64n }).map(String), valueArb),
    )
    .map(cursorOf),
};

/** A route's valid query with one or two parameters changed, repeated or dropped. */
const mutatedQueryArb = (route: Route) =>
  fc
    .array(
      fc.tuple(
        // The route's own parameters only: another route's is refused before the handler
        // (strict-query.ts), which the random queries (queryArb) probe.
        fc.constantFrom(...route.params),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
      ),
      { minLength: 1, maxLength: 2 },
    )
    .chain((mutations) =>
      fc.tuple(
        fc.constant(mutations),
        fc.tuple(
          ...mutations.map(([name]) =>
            fc.oneof(
              { weight: 4, arbitrary: PARAM_VALUES[name] ?? valueArb },
              { weight: 2, arbitrary: valueArb },
              { weight: 1, arbitrary: fc.constant(undefined) },
            ),
          ),
        ),
      ),
    )
    .map(([mutations, values]) => {
      const query = Object.entries(VALID_QUERIES[route.path] ?? {}).map(([name, value]) => [
        name,
        encode(value, false),
      ]);
      mutations.forEach(([name, raw, repeat], i) => {
        const value = values[i];
        // A client resuming a page sends the cursor alone: its range comes from the cursor.
        if (name === 'cursor' && value !== undefined)
          for (const bound of ['start', 'end']) {
            const at = query.findIndex(([existing]) => existing === bound);
            if (at >= 0) query.splice(at, 1);
          }
        const at = query.findIndex(([existing]) => existing === name);
        if (value === undefined) {
          if (at >= 0) query.splice(at, 1);
        } else if (repeat || at < 0) query.push([name, encode(value, raw)]);
        else query[at] = [name, encode(value, raw)];
      });
      return query.map(([name, value]) => `${name ?? ''}=${value ?? ''}`).join('&');
    });

const bodyArb = fc.oneof(
  fc.constant(undefined),
  fc.json().map((json) => ({ text: json, type: 'application/json' })),
  fc
    .record({ symbols: fc.array(valueArb, { maxLength: 5 }) })
    .map((value) => ({ text: JSON.stringify(value), type: 'application/json' })),
  fc
    .record({ symbol: valueArb, name: valueArb, active: fc.anything() }, { requiredKeys: [] })
    .map((value) => ({ text: JSON.stringify(value), type: 'application/json' })),
  fc
    .record(
      { symbol: valueArb, price_spike_percent: fc.anything(), rsi_high: fc.double() },
      { requiredKeys: [] },
    )
    .map((value) => ({ text: JSON.stringify(value), type: 'application/json' })),
  fc.constantFrom(
    { text: '{"symbols": [', type: 'application/json' },
    { text: '[]', type: 'application/json' },
    { text: 'null', type: 'application/json' },
    { text: '"AAPL"', type: 'application/json' },
    { text: '{"__proto__": {"admin": true}, "symbols": ["AAPL"]}', type: 'application/json' },
    { text: '{"symbols": ["AAPL"]}', type: 'text/plain' },
    { text: 'symbols=AAPL', type: 'application/x-www-form-urlencoded' },
    { text: '\u0000\u0001', type: 'application/octet-stream' },
    { text: '['.repeat(10_000), type: 'application/json' },
  ),
);

describe('api fuzz: hostile input never gets a 5xx, a stack or an envelope-less error', () => {
  let db: TestDatabase;
  let keys: { admin: string; read: string };
  let apps: { open: ReturnType<typeof createApp>; keyed: ReturnType<typeof createApp> };
  let logs: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple Inc.'), ('MSFT', 'Microsoft Corporation'), ('ZZFUZZ', 'Fuzzed'), ('ZZGONE', 'Deleted')`;
    // Two days of AAPL trades every 10 minutes, so ranges, pages and candles have data to walk.
    await db.sql`
      insert into trades (trade_id, symbol, price, volume, ts, source)
      select 'AAPL-' || i, 'AAPL', 180 + (i % 17) * 0.37, 100 + i, '2026-11-20T00:00:00Z'::timestamptz + i * interval '10 minutes', 'test'
      from generate_series(0, 287) as i`;
    await db.sql`select rebuild_minute_rollups('AAPL')`;
    await db.sql`
      insert into latest_prices (symbol, trade_id, seq, price, volume, ts)
      select symbol, trade_id, seq, price, volume, ts from trades order by ts desc limit 1`;
    await db.sql`
      insert into rejected_messages (message_id, reason, details, payload)
      values ('poison-1', 'invalid_json', '{"message": "payload is not JSON"}', '\\x7b7b'::bytea)`;
    keys = {
      admin: (await createApiKey(db.sql, { role: 'admin', name: 'fuzz admin' })).key,
      read: (await createApiKey(db.sql, { role: 'read', name: 'fuzz reader' })).key,
    };
    logs = captureLogger();
    const deps = {
      sql: db.sql,
      logger: logs.logger,
      corsAllowedOrigins: [ALLOWED_ORIGIN],
    };
    apps = {
      open: createApp(deps),
      keyed: createApp({ ...deps, requireApiKey: true }),
    };
  });
  afterAll(() => db.drop());

  interface Sent {
    app: 'open' | 'keyed';
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: string | undefined;
  }

  /** Sends one request through app.request and checks every promise. */
  async function check(sent: Sent, statuses?: Map<number, number>): Promise<string | undefined> {
    const init: RequestInit = { method: sent.method, headers: sent.headers };
    if (sent.body !== undefined && !['GET', 'HEAD'].includes(sent.method.toUpperCase()))
      init.body = sent.body;
    const response = await apps[sent.app].request(`http://localhost${sent.url}`, init);
    statuses?.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    return inspect(sent, {
      status: response.status,
      header: (name) => response.headers.get(name),
      text: await response.text(),
    });
  }

  /** What broke in the answer to `sent`, if anything. */
  function inspect(sent: Sent, answer: Answer): string | undefined {
    const { status, header, text } = answer;
    const problem = (what: string) =>
      `${what}: ${sent.method} ${sent.url} [${sent.app}] -> ${status} ${text.slice(0, 300)}`;
    const requestId = header('x-request-id');
    if (status >= 500) return problem('5xx');
    if (requestId === null || requestId === '') return problem('no X-Request-Id');
    const sentId = sent.headers['x-request-id'];
    if (sentId !== undefined && SAFE_REQUEST_ID.test(sentId) && requestId !== sentId)
      return problem(`X-Request-Id ${requestId} instead of the caller's ${sentId}`);
    if (header('x-content-type-options') !== 'nosniff')
      return problem('no X-Content-Type-Options: nosniff');
    const echoed = `${decodeSafely(sent.url)} ${sent.url} ${sent.body ?? ''}`.toLowerCase();
    const leak = (status >= 400 ? INTERNALS : STACK_TRACE).exec(text);
    if (leak !== null && !echoed.includes(leak[0].toLowerCase()))
      return problem(`internal detail "${leak[0]}"`);
    if (status >= 400 && sent.method.toUpperCase() !== 'HEAD') {
      if (!(header('content-type') ?? '').startsWith('application/json'))
        return problem('error without a JSON body');
      let envelope: Record<string, unknown>;
      try {
        envelope = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return problem('error body is not JSON');
      }
      if (JSON.stringify(Object.keys(envelope).sort()) !== JSON.stringify(ENVELOPE_KEYS))
        return problem(`envelope keys ${Object.keys(envelope).join(',')}`);
      if (
        typeof envelope.error !== 'string' ||
        !/^[a-z_]+$/.test(envelope.error) ||
        typeof envelope.message !== 'string' ||
        !Array.isArray(envelope.details) ||
        envelope.status !== status ||
        envelope.request_id !== requestId
      )
        return problem('malformed envelope');
    }
    return undefined;
  }

  const headersArb = fc
    .record(
      {
        'x-request-id': fc.oneof(
          fc.constantFrom('fuzz-1', 'a'.repeat(128), 'a'.repeat(129), 'x y', "';--", '../x'),
          fc.string({ unit: 'binary-ascii', maxLength: 20 }).filter(isHeaderValue),
        ),
        'x-api-key': fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom('admin', 'read') },
          {
            weight: 1,
            arbitrary: fc.constantFrom('mdp_garbage', '', "' OR 1=1 --", 'A'.repeat(4_000)),
          },
          {
            weight: 1,
            arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }).filter(isHeaderValue),
          },
        ),
        origin: fc.constantFrom(ALLOWED_ORIGIN, 'https://evil.example', 'null', '*'),
      },
      { requiredKeys: [] },
    )
    .map((headers) => {
      const key = headers['x-api-key'];
      return {
        ...headers,
        ...(key === 'admin' || key === 'read' ? { 'x-api-key': keys[key] } : {}),
      };
    });

  const requestArb: fc.Arbitrary<Sent> = fc
    .constantFrom(...ROUTES)
    .chain((route) =>
      fc.record({
        // Mostly the open app and the route's own path and method, so most requests reach
        // validation and the handlers; the rest probe authorization, 404s and 405s.
        app: fc.oneof(
          { weight: 3, arbitrary: fc.constant('open' as const) },
          { weight: 1, arbitrary: fc.constant('keyed' as const) },
        ),
        route: fc.constant(route),
        hostilePath: fc.oneof(
          { weight: 7, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_PATHS) },
        ),
        otherMethod: fc.oneof(
          { weight: 7, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
        ),
        query:
          route.params.length > 0
            ? fc.oneof(
                { weight: 1, arbitrary: queryArb },
                { weight: 2, arbitrary: mutatedQueryArb(route) },
              )
            : // Mostly none: any parameter is refused there (strict-query.ts), so the handler runs
              // only without one.
              fc.oneof(
                { weight: 2, arbitrary: fc.constant('') },
                { weight: 1, arbitrary: queryArb },
              ),
        headers: headersArb,
        body: bodyArb,
      }),
    )
    .map(({ app, route, hostilePath, otherMethod, query, headers, body }) => ({
      app,
      method: otherMethod ?? route.method,
      url: `${hostilePath ?? route.path}${query === '' ? '' : `?${query}`}`,
      headers: body === undefined ? headers : { ...headers, 'content-type': body.type },
      body: body?.text,
    }));

  it(
    `${FUZZ_RUNS} random and hostile requests over every route`,
    { timeout: 120_000 },
    async () => {
      const problems: string[] = [];
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(requestArb, async (sent) => {
          const problem = await check(sent, statuses);
          if (problem !== undefined) problems.push(problem);
          // The message, not the (huge) counterexample, is what explains a failure.
          if (problem !== undefined) throw new Error(problem.slice(0, 2_000));
        }),
        { numRuns: FUZZ_RUNS, seed: fuzzSeed(), endOnFailure: true },
      );
      expect(problems).toEqual([]);
      // The fuzz reached the handlers, not only validation: answers, lookups and refusals alike.
      const count = (from: number, to: number) =>
        [...statuses]
          .filter(([status]) => status >= from && status < to)
          .reduce((n, [, k]) => n + k, 0);
      expect(count(200, 300)).toBeGreaterThan(FUZZ_RUNS / 10);
      expect(statuses.get(400) ?? 0).toBeGreaterThan(FUZZ_RUNS / 10);
      expect(count(401, 404)).toBeGreaterThan(FUZZ_RUNS / 50);
      expect(statuses.get(404) ?? 0).toBeGreaterThan(FUZZ_RUNS / 50);
      // Nothing failed inside either: no error logged.
      const errors = logs.lines().filter((line) => line.severity === 'ERROR');
      expect(errors).toEqual([]);
    },
  );

  it(
    'every hostile value in every parameter of every route that reads it',
    { timeout: 60_000 },
    async () => {
      const problems: string[] = [];
      for (const route of ROUTES) {
        for (const param of route.params) {
          for (const value of HOSTILE_VALUES) {
            for (const raw of [false, true]) {
              const base =
                route.path === '/candles' && param !== 'interval'
                  ? 'interval=1h&'
                  : route.path === '/indicators'
                    ? // A short range: this walks every hostile value through every parameter.
                      ['interval=1h', 'type=bbands', 'limit=3']
                        .filter((pair) => !pair.startsWith(`${param}=`))
                        .map((pair) => `${pair}&`)
                        .join('')
                    : '';
              const symbol = param !== 'symbol' && param !== 'symbols' ? 'symbol=AAPL&' : '';
              const problem = await check({
                app: 'open',
                method: route.method,
                url: `${route.path}?${route.path === '/admin/rejected' ? '' : symbol}${base}${param}=${encode(value, raw)}`,
                headers: { 'x-api-key': keys.admin },
              });
              if (problem !== undefined) problems.push(problem);
            }
          }
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it('/candles with an inherited name (__proto__, constructor...) as interval is a 400, not a 500', async () => {
    for (const name of INHERITED_NAMES) {
      const response = await apps.open.request(`/candles?symbol=AAPL&interval=${name}`);
      expect({ interval: name, status: response.status }).toEqual({
        interval: name,
        status: 400,
      });
    }
  });

  it('hostile paths and methods over a real socket: 404 or 405 with the envelope, never a 5xx', async () => {
    // A socket, not app.request: the path arrives as sent (no URL normalisation) and any method
    // token goes, as with @hono/node-server behind the Functions Framework.
    // As functions/api/api-function.ts builds it.
    const listener = getRequestListener(apps.open.fetch, {
      errorHandler: answerUnbuildableRequest(logs.logger),
    });
    const server = createServer((req, res) => void listener(req, res));
    const base = await listen(server);
    const problems: string[] = [];
    try {
      for (const path of MALFORMED_TARGETS) {
        for (const method of RAW_METHODS) {
          const sent: Sent = { app: 'open', method, url: path, headers: {} };
          const answer = await rawRequest(base, method, path);
          if (answer.status !== 400) problems.push(`${method} ${path} -> ${answer.status}`);
          const problem = inspect(sent, answer);
          if (problem !== undefined) problems.push(problem);
        }
      }
      for (const path of [...HOSTILE_PATHS, ...RAW_PATHS, ...ROUTES.map((route) => route.path)]) {
        for (const method of RAW_METHODS) {
          const sent: Sent = { app: 'open', method, url: path, headers: {} };
          const problem = inspect(sent, await rawRequest(base, method, path));
          if (problem !== undefined) problems.push(problem);
        }
      }
    } finally {
      await close(server);
    }
    expect(problems).toEqual([]);
  });

  /** A fuzzed path as the OpenAPI document names it (`/symbols/ZZFUZZ` → `/symbols/{symbol}`). */
  const documentedPath = (paths: Record<string, unknown>, path: string) =>
    path in paths ? path : path.replace(/\/[^/]+$/, '/{symbol}');

  it('fuzzes every route of the OpenAPI document (but /stream) with the query parameters it lists', async () => {
    const document = (await (await apps.open.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
    };
    const fuzzed = new Set<string>();
    for (const route of ROUTES) {
      const path = documentedPath(document.paths, route.path);
      const operation = document.paths[path]?.[route.method.toLowerCase()];
      fuzzed.add(`${route.method} ${path}`);
      const listed = (operation?.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => p.name);
      expect(listed.sort(), `${route.method} ${route.path}`).toEqual([...route.params].sort());
    }
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.filter((route) => !fuzzed.has(route))).toEqual(['GET /stream']);
  });

  it('answers a query parameter a route does not take with a 400 naming it', async () => {
    const getRoutes = ROUTES.filter((route) => route.method === 'GET');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...getRoutes),
        fc.string({ minLength: 1, maxLength: 12 }),
        async (route, name) => {
          fc.pre(!route.params.includes(name));
          const query = new URLSearchParams({ ...VALID_QUERIES[route.path], [name]: '1' });
          const response = await apps.open.request(`${route.path}?${query.toString()}`);
          const body = (await response.json()) as {
            error: string;
            details: { parameter: string }[];
          };
          expect(response.status, `${route.path}?${query.toString()}`).toBe(400);
          expect(body.error).toBe('invalid_parameter');
          expect(body.details[0]?.parameter).toBe(name);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** One request over a plain socket, path and method exactly as given. */
function rawRequest(base: string, method: string, path: string): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => {
            const value = res.headers[name.toLowerCase()];
            return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
          },
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

interface Answer {
  status: number;
  header: (name: string) => string | null;
  text: string;
}

function decodeSafely(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

/** Header values the Fetch API accepts (no control characters, no leading/trailing space). */
function isHeaderValue(value: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what is excluded
  return value === value.trim() && !/[\u0000-\u001f\u007f]/.test(value);
}

/** A new seed each run (printed by fast-check on failure); FUZZ_SEED replays one. */
function fuzzSeed(): number {
  const given = Number(process.env.FUZZ_SEED);
  return Number.isInteger(given) && process.env.FUZZ_SEED !== undefined
    ? given
    : Date.now() % 2 ** 31;
}
