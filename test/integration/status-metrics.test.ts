import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { captureLogger } from '../support/capture-logger.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into symbols (symbol, name) values ('FRESH', 'f'), ('OLD', 'o'), ('NONE', 'n')`;
  await db.sql`insert into trades (trade_id, symbol, price, volume, ts, source) values
    ('F-1', 'FRESH', 1, 1, now() - interval '2 seconds', 'test'),
    ('O-1', 'OLD', 1, 1, now() - interval '1 hour', 'test')`;
  await db.sql`insert into latest_prices (symbol, trade_id, seq, price, volume, ts) select symbol, trade_id, seq, price, volume, ts from trades`;
  app = createApp({ sql: db.sql, logger: captureLogger().logger, ingestionIntervalSeconds: 3 });
});
afterAll(() => db.drop());

interface Status {
  status: string;
  stale_after_seconds: number;
  staleness_seconds: number | null;
  symbols: {
    symbol: string;
    status: string;
    staleness_seconds: number | null;
    last_trade_at: string | null;
  }[];
}

describe('GET /status/ingestion', () => {
  it('is ok while the newest trade is within 3 intervals, and rates each symbol', async () => {
    const body = (await (await app.request('/status/ingestion')).json()) as Status;
    expect(body).toMatchObject({ status: 'ok', stale_after_seconds: 9 });
    expect(body.staleness_seconds).toBeGreaterThanOrEqual(2);
    expect(body.staleness_seconds).toBeLessThan(9);
    const bySymbol = Object.fromEntries(body.symbols.map((s) => [s.symbol, s]));
    expect(bySymbol.FRESH?.status).toBe('ok');
    expect(bySymbol.OLD).toMatchObject({ status: 'stale' });
    expect(bySymbol.OLD?.staleness_seconds).toBeGreaterThan(3_590);
    expect(bySymbol.NONE).toEqual({
      symbol: 'NONE',
      status: 'no_data',
      last_trade_at: null,
      staleness_seconds: null,
    });
  });

  it('is stale when even the newest trade is too old, no_data when there is none', async () => {
    const slow = createApp({
      sql: db.sql,
      logger: captureLogger().logger,
      ingestionIntervalSeconds: 1,
    });
    await db.sql`update latest_prices set ts = now() - interval '5 seconds' where symbol = 'FRESH'`;
    expect(((await (await slow.request('/status/ingestion')).json()) as Status).status).toBe(
      'stale',
    );
    await db.sql`update symbols set active = false where symbol <> 'NONE'`;
    expect(((await (await slow.request('/status/ingestion')).json()) as Status).status).toBe(
      'no_data',
    );
    await db.sql`update symbols set active = true`;
  });
});

describe('GET /metrics', () => {
  it('exposes request counts and latency by route pattern and status, and freshness per symbol', async () => {
    await app.request('/price/latest?symbol=FRESH');
    await app.request('/price/latest?symbol=NOPE');
    await app.request('/no/such/route/12345');
    const response = await app.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/price\/latest",status="200"\} 1/,
    );
    expect(text).toMatch(
      /http_requests_total\{method="GET",route="\/price\/latest",status="404"\} 1/,
    );
    expect(text).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    expect(text).not.toContain('12345');
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0.5",method="GET",route="\/price\/latest",status="200"\} 1/,
    );
    expect(text).toMatch(/market_data_staleness_seconds\{symbol="OLD"\} 3[56]\d\d/);
    expect(text).toMatch(/market_data_last_trade_timestamp_seconds\{symbol="FRESH"\} \d{10}/);
    expect(text).not.toMatch(/symbol="NONE"/);
    expect(text).toContain('process_resident_memory_bytes');
  });
});
