import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { generateTrades } from '../../shared/market/random-walk.js';
import { captureLogger } from '../support/capture-logger.js';
import { anomalyRows, eventCounts } from '../support/anomaly-rows.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());
beforeEach(async () => {
  await db.sql`truncate trades, latest_prices, trade_counts, minute_rollups, hour_rollups, rejected_messages, symbols cascade`;
  await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple Inc.'), ('MSFT', 'Microsoft')`;
});

interface T {
  trade_id: string;
  symbol: string;
  price: string;
  volume: string;
  ts: string;
}
/** The item at `index`, which the test put there. */
function at<V>(list: readonly V[], index: number): V {
  const item = list[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

/** Pub/Sub's publish time on a test event, as the emulator sets it. */
function setPublishTime(event: ReturnType<typeof pubsubEvent>, ms: number): void {
  const message = event.data?.message;
  if (message === undefined) throw new Error('the event has no message');
  message.publishTime = new Date(ms).toISOString();
}

const batch = (trades: T[]) => ({ v: 1, source: 'test', trades });

/** `n` quiet trades of `symbol` 3 s apart from `fromMs`: price 100.00 ± 0.1, volume 1000. */
const quiet = (symbol: string, fromMs: number, n: number, first = 0): T[] =>
  Array.from({ length: n }, (_, i) => ({
    trade_id: `${symbol}-${first + i}`,
    symbol,
    price: (100 + (i % 2) * 0.1).toFixed(2),
    volume: '1000',
    ts: new Date(fromMs + i * 3_000).toISOString(),
  }));

/**
 * The database refuses the anomalies' outbox rows until disarmed: as a crash after the trades'
 * commit would stop their record.
 */
async function refuseAnomalyEvents() {
  await db.sql`create table fail_once (armed boolean)`;
  await db.sql`insert into fail_once values (true)`;
  await db.sql.unsafe(`
    create function refuse_event() returns trigger language plpgsql as $$
    begin
      if (select armed from fail_once) then
        raise exception 'refused for the test';
      end if;
      return new;
    end $$;
    create trigger refuse_event before insert on anomaly_events for each row execute function refuse_event();`);
  return {
    disarm: async () => {
      await db.sql`update fail_once set armed = false`;
    },
    remove: async () => {
      await db.sql.unsafe(
        'drop trigger refuse_event on anomaly_events; drop function refuse_event(); drop table fail_once;',
      );
    },
  };
}

function persistHandler(now = Date.now) {
  const capture = captureLogger();
  return {
    persist: createPersistHandler({ sql: db.sql, logger: capture.logger, now }),
    lines: capture.lines,
  };
}

describe('per-trade rules in persist', () => {
  it('price_spike: a trade 8 % from the previous one is a warning, 12 % critical; quiet trades are not', async () => {
    const { persist, lines } = persistHandler();
    const start = Date.now() - 120_000;
    const base = quiet('AAPL', start, 10);
    await persist(pubsubEvent(batch(base)));
    await persist(
      pubsubEvent(
        batch([
          {
            ...at(base, 0),
            trade_id: 'AAPL-up',
            price: '108.00',
            ts: new Date(start + 30_000).toISOString(),
          },
          {
            ...at(base, 0),
            trade_id: 'AAPL-back',
            price: '100.00',
            ts: new Date(start + 33_000).toISOString(),
          },
          {
            ...at(base, 0),
            trade_id: 'AAPL-down',
            price: '88.00',
            ts: new Date(start + 36_000).toISOString(),
          },
        ]),
      ),
    );
    const rows = (await anomalyRows(db.sql)).filter((row) => row.kind === 'price_spike');
    expect(rows.map((row) => [row.trade_id, row.severity])).toEqual([
      ['AAPL-up', 'warning'],
      // 100 after 108 is 7.4 % from the previous trade.
      ['AAPL-back', 'warning'],
      ['AAPL-down', 'critical'],
    ]);
    // 108 against the trailing VWAP 100.05 (7.946 %), more than against the previous 100.10 (7.89 %).
    expect(rows[0]).toMatchObject({ observed: '7.946', threshold: '5' });
    expect(
      // Cloud Logging's severity stays the line's level; the alert's own is alert_severity.
      lines().some(
        (line) =>
          line.severity === 'INFO' &&
          String(line.message).startsWith('anomaly detected: AAPL trade at 108 '),
      ),
    ).toBe(true);
  });

  it('volume_spike: a trade above 3x the trailing minute’s average volume', async () => {
    const { persist } = persistHandler();
    const start = Date.now() - 120_000;
    await persist(pubsubEvent(batch(quiet('AAPL', start, 10))));
    await persist(
      pubsubEvent(
        batch([
          { ...at(quiet('AAPL', start + 30_000, 1, 10), 0), volume: '2900' },
          { ...at(quiet('AAPL', start + 33_000, 1, 11), 0), volume: '8000' },
        ]),
      ),
    );
    const rows = await anomalyRows(db.sql);
    expect(rows.map((row) => [row.kind, row.trade_id, row.severity])).toEqual([
      ['volume_spike', 'AAPL-11', 'critical'],
    ]);
  });

  it('a normal walk of half an hour records no price or volume spike', async () => {
    const { persist } = persistHandler();
    // A fixed half hour: the walk's trades depend on their slots' times, and a walk drawn from
    // the clock met, a few runs in a hundred, five quiet trades and then a heavy one (3.3x).
    const untilMs = Date.parse('2026-11-02T15:00:05Z');
    const trades = generateTrades({
      seed: 'quiet-walk',
      symbol: 'MSFT',
      untilMs: untilMs - 1_800_000,
      intervalMs: 3_000,
      maxTrades: 1,
      maxBackfillMs: 0,
    });
    const first = at(trades, 0);
    const walk = [
      first,
      ...generateTrades({
        seed: 'quiet-walk',
        symbol: 'MSFT',
        last: { price: first.price, timestampMs: Date.parse(first.ts) },
        untilMs,
        intervalMs: 3_000,
        maxTrades: 1_000,
        maxBackfillMs: 3_600_000,
      }),
    ];
    for (let i = 0; i < walk.length; i += 20)
      await persist(pubsubEvent(batch(walk.slice(i, i + 20))));
    expect(await db.sql`select count(*)::int as n from trades`).toEqual([{ n: walk.length }]);
    const spikes = (await anomalyRows(db.sql)).filter((row) => row.kind !== 'rsi_extreme');
    expect(spikes).toEqual([]);
  });
});

describe('recorded once, with the trades', () => {
  const spikeBatch = (start: number) =>
    batch([
      ...quiet('AAPL', start, 10),
      { ...at(quiet('AAPL', start + 30_000, 1, 10), 0), price: '111.00', volume: '9000' },
    ]);

  it('a redelivered batch records nothing twice, a partly stored one only its new trades', async () => {
    const { persist } = persistHandler();
    const start = Date.now() - 120_000;
    const event = pubsubEvent(spikeBatch(start));
    await persist(event);
    await persist(event);
    await persist(pubsubEvent(spikeBatch(start)));
    const rows = await anomalyRows(db.sql);
    expect(rows.map((row) => [row.kind, row.trade_id, row.severity])).toEqual([
      ['price_spike', 'AAPL-10', 'critical'],
      ['volume_spike', 'AAPL-10', 'critical'],
    ]);
    expect(await eventCounts(db.sql)).toEqual({ detected: 2 });
  });

  it('a failure between the trades’ commit and their anomalies: the trades stay, the redelivery records the anomalies once', async () => {
    const { persist } = persistHandler();
    const start = Date.now() - 120_000;
    const refusal = await refuseAnomalyEvents();
    try {
      const event = pubsubEvent(spikeBatch(start));
      // persist throws, so Pub/Sub would redeliver: the message is not acknowledged.
      await expect(persist(event)).rejects.toThrow(/refused for the test/);
      expect(await db.sql`select count(*)::int as n from trades`).toEqual([{ n: 11 }]);
      expect(await anomalyRows(db.sql)).toEqual([]);
      await refusal.disarm();
      await persist(event);
      await persist(event);
      expect(await db.sql`select count(*)::int as n from trades`).toEqual([{ n: 11 }]);
      expect((await anomalyRows(db.sql)).map((row) => [row.kind, row.trade_id])).toEqual([
        ['price_spike', 'AAPL-10'],
        ['volume_spike', 'AAPL-10'],
      ]);
      expect(await eventCounts(db.sql)).toEqual({ detected: 2 });
    } finally {
      await refusal.remove();
    }
  });

  it('a redelivery after such a failure judges the lag by when the trades were stored, not by its own delay', async () => {
    const { persist } = persistHandler();
    const start = Date.now() - 60_000;
    const event = pubsubEvent(batch(quiet('AAPL', start, 2)));
    // Published 40 s ago, stored now: a lag of 40 s against 30 s.
    setPublishTime(event, Date.now() - 40_000);
    const refusal = await refuseAnomalyEvents();
    try {
      await expect(persist(event)).rejects.toThrow(/refused for the test/);
      await refusal.disarm();
      // The redelivery comes 100 s later: the publish and the store 100 s further in the past.
      await db.sql`update trades set ingested_at = ingested_at - interval '100 seconds'`;
      setPublishTime(event, Date.now() - 140_000);
      await persist(event);
      const rows = await anomalyRows(db.sql);
      expect(rows.map((row) => [row.kind, row.trade_id])).toEqual([['ingest_lag', 'AAPL-0']]);
      const observed = Number(at(rows, 0).observed);
      expect(observed).toBeGreaterThanOrEqual(39);
      expect(observed).toBeLessThan(60);
    } finally {
      await refusal.remove();
    }
  });

  it('a redelivery of a message stored in time records no lag, however late it comes', async () => {
    const { persist } = persistHandler();
    const event = pubsubEvent(batch(quiet('AAPL', Date.now() - 60_000, 2)));
    setPublishTime(event, Date.now());
    await persist(event);
    // Pub/Sub lost the ack and redelivers a minute later: publish and store a minute in the past.
    await db.sql`update trades set ingested_at = ingested_at - interval '60 seconds'`;
    setPublishTime(event, Date.now() - 60_000);
    await persist(event);
    expect(await anomalyRows(db.sql)).toEqual([]);
  });

  it('detects in the late path too (trades older than the candle grace, under the candle locks)', async () => {
    const { persist } = persistHandler();
    const start = Date.parse('2026-01-05T10:00:00Z');
    await persist(pubsubEvent(spikeBatch(start)));
    expect((await anomalyRows(db.sql)).map((row) => row.kind)).toEqual([
      'price_spike',
      'volume_spike',
    ]);
  });
});

describe('ingest_lag', () => {
  it('a message stored 70 s after Pub/Sub published it: critical against 30 s, once per symbol', async () => {
    const { persist } = persistHandler();
    const start = Date.now() - 60_000;
    const event = pubsubEvent(batch([...quiet('AAPL', start, 2), ...quiet('MSFT', start, 2)]));
    setPublishTime(event, Date.now() - 70_000);
    await persist(event);
    await persist(event);
    const rows = await anomalyRows(db.sql);
    expect(rows.map((row) => [row.kind, row.symbol, row.trade_id, row.severity])).toEqual([
      ['ingest_lag', 'AAPL', 'AAPL-0', 'critical'],
      ['ingest_lag', 'MSFT', 'MSFT-0', 'critical'],
    ]);
    expect(Number(at(rows, 0).observed)).toBeGreaterThanOrEqual(70);
  });

  it('a message stored right after its publish is no lag', async () => {
    const { persist } = persistHandler();
    const event = pubsubEvent(batch(quiet('AAPL', Date.now() - 60_000, 2)));
    setPublishTime(event, Date.now());
    await persist(event);
    expect(await anomalyRows(db.sql)).toEqual([]);
  });
});

describe('per-candle rules in persist', () => {
  /** One trade a minute from `startMs`, closes given. */
  const minutes = (startMs: number, closes: number[], volume = () => '1000'): T[] =>
    closes.map((close, i) => ({
      trade_id: `AAPL-m${i}`,
      symbol: 'AAPL',
      price: close.toFixed(2),
      volume: volume(),
      ts: new Date(startMs + i * 60_000 + 1_000).toISOString(),
    }));

  it('rsi_extreme: RSI(14) entering above 70 on candle close, once however often it stays there', async () => {
    const { persist } = persistHandler();
    const startMs = Math.floor(Date.now() / 60_000) * 60_000 - 40 * 60_000;
    // 16 alternating minutes (RSI about 50), then a steady rise.
    const closes = [
      ...Array.from({ length: 16 }, (_, i) => 100 + (i % 2)),
      ...Array.from({ length: 14 }, (_, i) => 101 + i * 0.5),
    ];
    const trades = minutes(startMs, closes);
    for (const t of trades) await persist(pubsubEvent(batch([t])));
    const rsi = (await anomalyRows(db.sql)).filter((row) => row.kind === 'rsi_extreme');
    expect(rsi).toHaveLength(1);
    // Entering the zone: above 70, below the 85 of critical.
    expect(rsi[0]).toMatchObject({ interval: '1m', severity: 'warning', threshold: '70' });
    expect(Number(at(rsi, 0).observed)).toBeGreaterThan(70);
    // The candle where it entered closed before the last trade: it is one of the rising ones.
    const bucketMs = Date.parse(at(rsi, 0).bucket ?? '');
    expect(bucketMs).toBeGreaterThanOrEqual(startMs + 16 * 60_000);
    expect(bucketMs).toBeLessThan(startMs + 29 * 60_000);
    // The value /indicators serves for that candle.
    const app = createApp({ sql: db.sql, logger: captureLogger().logger });
    const response = await app.request(
      `/indicators?symbol=AAPL&interval=1m&type=rsi&window=14&start=${at(rsi, 0).bucket}&end=${new Date(bucketMs + 60_000).toISOString()}`,
    );
    const served = (await response.json()) as { values: { value: string }[] };
    expect(Number(served.values[0]?.value).toFixed(4)).toBe(Number(at(rsi, 0).observed).toFixed(4));
    // Before it, the RSI stayed inside the band: the previous candle's value is 70 or less.
  });

  it('volume_spike of a closed 1m candle against the traded minutes before it', async () => {
    const { persist } = persistHandler();
    const startMs = Math.floor(Date.now() / 60_000) * 60_000 - 20 * 60_000;
    // Ten minutes of 1000, then a minute of three trades of 1,500 (no trade above 3x), then one more.
    const trades = minutes(
      startMs,
      Array.from({ length: 10 }, () => 100),
    );
    const heavy = [0, 1, 2].map((i) => ({
      trade_id: `AAPL-h${i}`,
      symbol: 'AAPL',
      price: '100.00',
      volume: '1500',
      ts: new Date(startMs + 10 * 60_000 + 5_000 + i * 1_000).toISOString(),
    }));
    const after = {
      ...at(trades, 0),
      trade_id: 'AAPL-after',
      ts: new Date(startMs + 11 * 60_000 + 1_000).toISOString(),
    };
    await persist(pubsubEvent(batch(trades)));
    await persist(pubsubEvent(batch(heavy)));
    await persist(pubsubEvent(batch([after])));
    const rows = (await anomalyRows(db.sql)).filter((row) => row.kind === 'volume_spike');
    expect(rows).toEqual([
      expect.objectContaining({
        interval: '1m',
        bucket: new Date(startMs + 10 * 60_000).toISOString().replace('.000', ''),
        observed: '4.5',
        severity: 'warning',
      }),
    ]);
  });
});
