/**
 * /candles with `timezone` and calendar units against a real PostgreSQL: a 23-hour and a 25-hour
 * New York day, hours across the repeated hour, calendar months in UTC and in a zone, quarters,
 * fill, as_of; 400s naming the parameter for zones and counts out of bounds, and /indicators
 * refusing calendar units.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { captureLogger } from '../support/capture-logger.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
let counter = 0;

interface LocalCandle {
  timestamp: string;
  localStart?: string;
  open: string;
  close: string;
  volume: string;
  trade_count: number;
}
interface Answer {
  timezone?: string;
  interval: string;
  count: number;
  candles: LocalCandle[];
  next_start: string | null;
}

async function trade(symbol: string, ts: string, price: string, storedAt?: string) {
  await db.sql`
    insert into trades (trade_id, symbol, source, price, volume, ts, ingested_at)
    values (${`${symbol}-${++counter}`}, ${symbol}, 'test', ${price}::numeric, 1,
            ${ts}::timestamptz, coalesce(${storedAt ?? null}::timestamptz, now()))`;
  // Written around persist: the minute rollups that candles of a minute and longer read follow.
  await db.sql`select rebuild_minute_rollups(${symbol})`;
}

async function get(
  query: string,
): Promise<{ status: number; body: Answer & { message?: string } }> {
  const response = await app.request(`/candles?${query}`);
  return {
    status: response.status,
    body: (await response.json()) as Answer & { message?: string },
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into symbols (symbol, name) values ('NYC', 'New York'), ('MON', 'Months')`;
  // Around 2026-03-08 (23 hours in New York) and 2026-11-01 (25 hours): each trade one side of a
  // local or a UTC boundary.
  for (const [ts, price] of [
    ['2026-03-08T04:59:59.999Z', '1'], // Mar 7, 23:59:59.999 EST
    ['2026-03-08T05:00:00.000Z', '2'], // Mar 8, 00:00 EST
    ['2026-03-08T07:30:00.000Z', '3'], // Mar 8, 03:30 EDT (02:00–03:00 did not happen)
    ['2026-03-09T03:59:59.999Z', '4'], // Mar 8, 23:59:59.999 EDT
    ['2026-03-09T04:00:00.000Z', '5'], // Mar 9, 00:00 EDT
    ['2026-11-01T03:59:59.999Z', '6'], // Oct 31, 23:59:59.999 EDT
    ['2026-11-01T04:00:00.000Z', '7'], // Nov 1, 00:00 EDT
    ['2026-11-01T05:30:00.000Z', '8'], // Nov 1, 01:30 EDT
    ['2026-11-01T06:30:00.000Z', '9'], // Nov 1, 01:30 EST, the same wall time an hour later
    ['2026-11-02T04:30:00.000Z', '10'], // Nov 1, 23:30 EST: a UTC Nov 2, a local Nov 1
    ['2026-11-02T05:00:00.000Z', '11'], // Nov 2, 00:00 EST
  ])
    await trade('NYC', ts ?? '', price ?? '');
  for (const [ts, price] of [
    ['2026-01-31T22:59:59.999Z', '1'], // Jan 31, 23:59:59.999 in Berlin
    ['2026-01-31T23:00:00.000Z', '2'], // Feb 1, 00:00 in Berlin, still January in UTC
    ['2026-02-28T23:59:59.999Z', '3'],
    ['2026-03-01T00:00:00.000Z', '4'],
    ['2026-04-15T12:00:00.000Z', '5'],
    ['2026-07-01T00:00:00.000Z', '6'],
  ])
    await trade('MON', ts ?? '', price ?? '');
  app = createApp({ sql: db.sql, logger: captureLogger().logger });
});
afterAll(async () => {
  await db.drop();
});

const summary = (candles: LocalCandle[]) =>
  candles.map((c) => [c.timestamp, c.localStart, c.open, c.close, c.trade_count]);

describe('GET /candles with timezone', () => {
  it('cuts a 23-hour New York day at local midnights', async () => {
    const { status, body } = await get(
      'symbol=NYC&interval=1d&timezone=America/New_York&start=2026-03-07T05:00:00Z&end=2026-03-10T04:00:00Z',
    );
    expect(status).toBe(200);
    expect(body.timezone).toBe('America/New_York');
    expect(summary(body.candles)).toEqual([
      ['2026-03-07T05:00:00.000Z', '2026-03-07T00:00:00-05:00', '1', '1', 1],
      ['2026-03-08T05:00:00.000Z', '2026-03-08T00:00:00-05:00', '2', '4', 3],
      ['2026-03-09T04:00:00.000Z', '2026-03-09T00:00:00-04:00', '5', '5', 1],
    ]);
  });

  it('cuts a 25-hour New York day at local midnights, its last hour a UTC next day', async () => {
    const { body } = await get(
      'symbol=NYC&interval=1d&timezone=america/new_york&start=2026-10-31T04:00:00Z&end=2026-11-03T05:00:00Z',
    );
    expect(body.timezone).toBe('America/New_York');
    expect(summary(body.candles)).toEqual([
      ['2026-10-31T04:00:00.000Z', '2026-10-31T00:00:00-04:00', '6', '6', 1],
      ['2026-11-01T04:00:00.000Z', '2026-11-01T00:00:00-04:00', '7', '10', 4],
      ['2026-11-02T05:00:00.000Z', '2026-11-02T00:00:00-05:00', '11', '11', 1],
    ]);
  });

  it('gives the 25-hour day 25 hourly buckets, the repeated 01:00 twice with its offset', async () => {
    const { body } = await get(
      'symbol=NYC&interval=1h&timezone=America/New_York&fill=previous&start=2026-11-01T04:00:00Z&end=2026-11-02T05:00:00Z',
    );
    expect(body.count).toBe(25);
    expect(body.candles.slice(1, 3).map((c) => [c.localStart, c.close, c.trade_count])).toEqual([
      ['2026-11-01T01:00:00-04:00', '8', 1],
      ['2026-11-01T01:00:00-05:00', '9', 1],
    ]);
    expect(body.candles.at(-1)?.localStart).toBe('2026-11-01T23:00:00-05:00');
  });

  it('counts sub-day lengths from each local midnight, the last bucket of the day cut short', async () => {
    // 5 hours: on the 23-hour day 00:00, 06:00, 11:00, 16:00, 21:00 EDT, the last one 3 hours.
    const { body } = await get(
      'symbol=NYC&interval=5h&timezone=America/New_York&fill=previous&start=2026-03-08T05:00:00Z&end=2026-03-09T05:00:00Z',
    );
    expect(body.candles.map((c) => c.localStart)).toEqual([
      '2026-03-08T00:00:00-05:00',
      '2026-03-08T06:00:00-04:00',
      '2026-03-08T11:00:00-04:00',
      '2026-03-08T16:00:00-04:00',
      '2026-03-08T21:00:00-04:00',
      '2026-03-09T00:00:00-04:00',
    ]);
    expect(body.candles[4]).toMatchObject({ close: '4', trade_count: 1 });
  });

  it('with UTC gives today’s candles, each with its localStart', async () => {
    const range = 'symbol=NYC&interval=1d&start=2026-10-31T00:00:00Z&end=2026-11-03T00:00:00Z';
    const plain = await get(range);
    const utc = await get(`${range}&timezone=UTC`);
    expect(plain.body.timezone).toBeUndefined();
    expect(plain.body.candles[0]?.localStart).toBeUndefined();
    expect(utc.body.timezone).toBe('UTC');
    expect(utc.body.candles).toEqual(
      plain.body.candles.map((c) => ({
        ...c,
        localStart: c.timestamp.replace('.000Z', '+00:00'),
      })),
    );
    // The key order: localStart right after the timestamp.
    expect(Object.keys(utc.body.candles[0] ?? {}).slice(0, 3)).toEqual([
      'timestamp',
      'localStart',
      'open',
    ]);
  });

  it('answers as of an instant, a late trade left out', async () => {
    const asOf = new Date(Date.now() - 1).toISOString();
    // Stored after as_of (ingested_at is the insert's time), in a bucket already served.
    const range =
      'symbol=NYC&interval=1d&timezone=America/New_York&start=2026-03-08T05:00:00Z&end=2026-03-09T04:00:00Z';
    expect((await get(range)).body.candles[0]).toMatchObject({ trade_count: 3 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await trade('NYC', '2026-03-08T12:00:00Z', '0.5');
    const before = await get(`${range}&as_of=${asOf}`);
    const after = await get(range);
    expect(before.body.candles[0]).toMatchObject({ trade_count: 3 });
    expect(after.body.candles[0]).toMatchObject({ trade_count: 4, low: '0.5' });
  });
});

describe('local midnight where it repeats (America/Havana, 2024-11-03: 01:00 CDT back to 00:00 CST)', () => {
  it('is the first of the two midnights, where PostgreSQL’s at time zone takes the second', async () => {
    await trade('NYC', '2024-11-03T04:30:00Z', '12'); // 00:30 CDT, between the two midnights
    const { body } = await get(
      'symbol=NYC&interval=1d&timezone=America/Havana&start=2024-11-02T04:00:00Z&end=2024-11-04T05:00:00Z',
    );
    expect(summary(body.candles)).toEqual([
      ['2024-11-03T04:00:00.000Z', '2024-11-03T00:00:00-04:00', '12', '12', 1],
    ]);
    // Why the api lists the buckets itself rather than have PostgreSQL compute local midnights.
    const [row] = await db.sql<{ midnight: Date }[]>`
      select (date '2024-11-03')::timestamp at time zone 'America/Havana' as midnight`;
    expect(row?.midnight.toISOString()).toBe('2024-11-03T05:00:00.000Z');
  });
});

describe('GET /candles in calendar months and years', () => {
  it('cuts UTC months on the 1st', async () => {
    const { status, body } = await get(
      'symbol=MON&interval=1M&start=2026-01-01T00:00:00Z&end=2026-05-01T00:00:00Z',
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ interval: '1M', timezone: 'UTC', next_start: null });
    expect(summary(body.candles)).toEqual([
      ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00+00:00', '1', '2', 2],
      ['2026-02-01T00:00:00.000Z', '2026-02-01T00:00:00+00:00', '3', '3', 1],
      ['2026-03-01T00:00:00.000Z', '2026-03-01T00:00:00+00:00', '4', '4', 1],
      ['2026-04-01T00:00:00.000Z', '2026-04-01T00:00:00+00:00', '5', '5', 1],
    ]);
  });

  it('cuts months at local midnight in a zone', async () => {
    const { body } = await get(
      'symbol=MON&interval=1M&timezone=Europe/Berlin&start=2026-01-01T00:00:00Z&end=2026-03-31T22:00:00Z',
    );
    // Feb 28 23:59:59.999Z is March 1 in Berlin; March there ends at 22:00Z (summer time).
    expect(summary(body.candles)).toEqual([
      ['2025-12-31T23:00:00.000Z', '2026-01-01T00:00:00+01:00', '1', '1', 1],
      ['2026-01-31T23:00:00.000Z', '2026-02-01T00:00:00+01:00', '2', '2', 1],
      ['2026-02-28T23:00:00.000Z', '2026-03-01T00:00:00+01:00', '3', '4', 2],
    ]);
    expect(body.next_start).toBeNull();
  });

  it('counts quarters and years from 1970, and pages by limit', async () => {
    const quarters = await get(
      'symbol=MON&interval=3M&start=2026-01-01T00:00:00Z&end=2027-01-01T00:00:00Z&limit=2',
    );
    expect(summary(quarters.body.candles).map((c) => [c[0], c[4]])).toEqual([
      ['2026-01-01T00:00:00.000Z', 4],
      ['2026-04-01T00:00:00.000Z', 1],
    ]);
    expect(quarters.body.next_start).toBe('2026-07-01T00:00:00.000Z');
    const years = await get(
      'symbol=MON&interval=5y&start=2021-06-01T00:00:00Z&end=2027-01-01T00:00:00Z',
    );
    expect(summary(years.body.candles).map((c) => [c[0], c[4]])).toEqual([
      ['2025-01-01T00:00:00.000Z', 6],
    ]);
  });

  it('fills empty months with the previous close', async () => {
    const { body } = await get(
      'symbol=MON&interval=1M&fill=previous&start=2026-04-01T00:00:00Z&end=2026-08-01T00:00:00Z',
    );
    expect(body.candles.map((c) => [c.localStart, c.close, c.trade_count])).toEqual([
      ['2026-04-01T00:00:00+00:00', '5', 1],
      ['2026-05-01T00:00:00+00:00', '5', 0],
      ['2026-06-01T00:00:00+00:00', '5', 0],
      ['2026-07-01T00:00:00+00:00', '6', 1],
    ]);
  });

  it('defaults start to limit buckets before end', async () => {
    const { body } = await get('symbol=MON&interval=1M&end=2026-08-01T00:00:00Z&limit=3');
    expect(body.candles.map((c) => c.timestamp)).toEqual(['2026-07-01T00:00:00.000Z']);
    expect(body).toMatchObject({ next_start: null });
  });
});

describe('GET /candles refuses', () => {
  it.each([
    ['timezone=Mars/Olympus', 'timezone'],
    ['timezone=%2B05:00', 'timezone'],
    ['timezone=', 'timezone'],
    ['timezone=../../etc/passwd', 'timezone'],
    // ICU reads IST as India, PostgreSQL as Israel; PostgreSQL's Factory is no zone to ICU.
    ['timezone=IST', 'timezone'],
    ['timezone=Factory', 'timezone'],
    ['interval=13M', 'interval'],
    ['interval=0M', 'interval'],
    ['interval=11y', 'interval'],
    ['interval=1Y', 'interval'],
    ['interval=25h&timezone=America/New_York', 'interval'],
  ])('%s with a 400 naming %s', async (query, parameter) => {
    const base = query.startsWith('interval=') ? 'symbol=NYC' : 'symbol=NYC&interval=1d';
    const { status, body } = await get(`${base}&${query}`);
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.message).toMatch(new RegExp(`^${parameter}: `));
  });

  it('on /indicators and /stream: calendar units, and a timezone', async () => {
    for (const path of [
      '/indicators?symbol=NYC&interval=1M&type=sma',
      '/stream?symbols=NYC&interval=1y',
    ]) {
      const response = await app.request(path);
      const body = (await response.json()) as { message: string };
      expect(response.status, path).toBe(400);
      expect(body.message).toMatch(
        /^interval: calendar months \(M\) and years \(y\) are served by \/candles only/,
      );
    }
    const zoned = await app.request('/indicators?symbol=NYC&interval=1d&type=sma&timezone=UTC');
    expect(zoned.status).toBe(400);
    expect(((await zoned.json()) as { message: string }).message).toContain('timezone');
  });

  it('accepts 12M, 10y and a zone PostgreSQL and ICU both know, e.g. EST', async () => {
    for (const query of ['interval=12M', 'interval=10y', 'interval=1d&timezone=EST']) {
      const { status } = await get(`symbol=NYC&${query}&end=2026-12-01T00:00:00Z`);
      expect(status, query).toBe(200);
    }
  });
});
