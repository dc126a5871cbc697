/**
 * GET /stream against a real PostgreSQL, trades stored through persist: live trades and prices,
 * resuming with nothing missed and nothing twice (also when a transaction commits after a
 * later-numbered one's, and with four writers and clients dropping at random), slow readers cut
 * off, the per-instance cap, the clean end, and the api as deployed on the Functions Framework.
 */
import type { Server } from 'node:http';
import { http } from '@google-cloud/functions-framework';
import postgres from 'postgres';
import { SSEStreamingApi } from 'hono/streaming';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiFunction } from '../../functions/api/api-function.js';
import { createApp } from '../../functions/api/app.js';
import { runClientStream } from '../../functions/api/routes/stream/client-stream.js';
import { StreamHub } from '../../functions/api/routes/stream/stream-hub.js';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { loadApiConfig } from '../../shared/config/function-config.js';
import { createSql, type Sql } from '../../shared/db/client.js';
import { captureLogger } from '../support/capture-logger.js';
import { close, listen } from '../support/http-server.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { readSse, tradesOf, type SseStream } from '../support/sse-stream.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
const streams: SseStream[] = [];
let counter = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`
    insert into symbols (symbol, name)
    select s, s from unnest(array['AAPL', 'MSFT', 'LATE', 'W1', 'W2', 'W3', 'W4', 'SLOW']) s`;
  app = createApp({ sql: db.sql, logger: captureLogger().logger });
});
afterAll(async () => {
  await Promise.all(streams.map((stream) => stream.close()));
  await db.drop();
});

/** A stream of `app`, once it is live: what is stored from then on reaches it. */
async function open(path: string, headers: Record<string, string> = {}, on = app) {
  const stream = readSse(await on.request(path, { headers }));
  streams.push(stream);
  if (stream.status === 200) await stream.live();
  return stream;
}

/**
 * An AAPL trades stream of 2 s run straight on `hub` (no HTTP), read as a client would; `done`
 * waits for its end.
 */
function streamFromHub(hub: StreamHub, { heartbeatMs }: { heartbeatMs?: number }) {
  const pipe = new TransformStream<Uint8Array, Uint8Array>();
  const [forServer, forReader] = pipe.readable.tee();
  const stream = readSse(new Response(forReader));
  streams.push(stream);
  const sse = new SSEStreamingApi(pipe.writable, forServer);
  const run = runClientStream(sse, {
    hub,
    sql: db.sql,
    symbols: ['AAPL'],
    events: new Set(['trades']),
    maxSeconds: 2,
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
  });
  return {
    stream,
    done: async () => {
      await run;
      await sse.close();
    },
  };
}

const trade = (symbol: string, price: string, ts = new Date()) => ({
  trade_id: `${symbol}-${++counter}`,
  symbol,
  price,
  volume: '1',
  ts: ts.toISOString(),
});

async function publish(trades: ReturnType<typeof trade>[], sql: Sql = db.sql) {
  await createPersistHandler({ sql, logger: captureLogger().logger })(
    pubsubEvent({ v: 1, source: 'test', trades }),
  );
}

describe('GET /stream', () => {
  it('streams its symbols’ trades as they are stored, each with an id, and their prices', async () => {
    const stream = await open('/stream?symbols=aapl&events=trades,prices');
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const sent = [trade('AAPL', '10'), trade('MSFT', '20'), trade('AAPL', '11')];
    await publish(sent);
    await publish([trade('AAPL', '12')]);
    await stream.until((events) => tradesOf(events).length === 3);
    const trades = tradesOf(stream.events);
    expect(trades.map((t) => t.price)).toEqual(['10', '11', '12']);
    expect(trades.every((t) => /^\d+-\d+$/.test(t.id))).toBe(true);
    await stream.until((events) =>
      events.some(
        (e) => e.event === 'price' && (JSON.parse(e.data) as { price: string }).price === '12',
      ),
    );
  });

  it('resumes after Last-Event-ID (or last_event_id=) with every trade missed, none twice', async () => {
    const first = await open('/stream?symbols=AAPL');
    await publish([trade('AAPL', '30'), trade('AAPL', '31')]);
    await first.until((events) => tradesOf(events).length === 2);
    const lastId = tradesOf(first.events).at(-1)?.id ?? '';
    await first.close();
    const missed = [trade('AAPL', '32'), trade('AAPL', '33')];
    await publish(missed);
    for (const resume of [
      open('/stream?symbols=AAPL', { 'last-event-id': lastId }),
      open(`/stream?symbols=AAPL&last_event_id=${lastId}`),
    ]) {
      const again = await resume;
      await again.until((events) => tradesOf(events).length >= 2);
      await publish([trade('AAPL', '34')]);
      await again.until((events) => tradesOf(events).some((t) => t.price === '34'));
      const trades = tradesOf(again.events);
      expect(trades.slice(0, 2).map((t) => t.price)).toEqual(['32', '33']);
      expect(new Set(trades.map((t) => t.trade_id)).size).toBe(trades.length);
      await again.close();
    }
  });

  it('does not skip a trade whose transaction commits after a later-numbered one’s (a cursor on seq does)', async () => {
    const stream = await open('/stream?symbols=LATE');
    // The naive reader the issue warns about: trades after the last seq it saw.
    let naiveCursor =
      (await db.sql<{ seq: string }[]>`select coalesce(max(seq), 0)::text as seq from trades`)[0]
        ?.seq ?? '0';
    const naive: string[] = [];
    const naiveRead = async () => {
      for (const row of await db.sql<{ trade_id: string; seq: string }[]>`
        select trade_id, seq::text from trades where symbol = 'LATE' and seq > ${naiveCursor}::bigint order by seq`) {
        naive.push(row.trade_id);
        naiveCursor = row.seq;
      }
    };
    const holder = createSql({
      DATABASE_URL: db.url,
      DB_POOL_MAX: 1,
      DB_CONNECT_TIMEOUT_SECONDS: 3,
    });
    let commit: () => void = () => undefined;
    const held = holder.begin(async (tx) => {
      // Numbered first (the lower seq), committed last.
      await tx`insert into trades (trade_id, symbol, price, volume, ts, source) values ('LATE-early', 'LATE', 1, 1, now(), 'test')`;
      await new Promise<void>((resolve) => {
        commit = resolve;
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await publish([trade('LATE', '2')]);
    await naiveRead();
    // Ours holds the later trade back until the earlier transaction has ended...
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(tradesOf(stream.events)).toEqual([]);
    commit();
    await held;
    await holder.end();
    await naiveRead();
    // ...then sends both, in stream order; the naive reader has skipped the early one for good.
    await stream.until((events) => tradesOf(events).length === 2);
    expect(tradesOf(stream.events).map((t) => t.trade_id)).toEqual([
      'LATE-early',
      expect.stringMatching(/^LATE-\d+$/) as unknown,
    ]);
    expect(naive).not.toContain('LATE-early');
  });

  it(
    'four writers, clients dropping at random and resuming: every trade exactly once, in order',
    { timeout: 90_000 },
    async () => {
      const writers = Array.from({ length: 4 }, () =>
        createSql({ DATABASE_URL: db.url, DB_POOL_MAX: 2, DB_CONNECT_TIMEOUT_SECONDS: 3 }),
      );
      const symbols = ['W1', 'W2', 'W3', 'W4'];
      // Where the client starts: the id of a trade stored before the writers begin.
      const marker = await open('/stream?symbols=W1');
      await publish([trade('W1', '1')]);
      await marker.until((events) => tradesOf(events).length === 1);
      let lastId: string | undefined = tradesOf(marker.events)[0]?.id;
      await marker.close();
      const published: string[] = [];
      const progress = { writing: true };
      const write = (async () => {
        for (let round = 0; round < 25; round++)
          await Promise.all(
            writers.map(async (sql, w) => {
              const symbol = symbols[w] ?? 'W1';
              // Some batches late (the locked path), some now (one statement).
              const ts = round % 3 === 0 ? new Date(Date.now() - 3_600_000) : new Date();
              const batch = Array.from({ length: 1 + ((round * 7 + w) % 5) }, () =>
                trade(symbol, `${round + 1}`, ts),
              );
              published.push(...batch.map((t) => t.trade_id));
              await publish(batch, sql);
            }),
          );
        progress.writing = false;
      })();

      const received: { id: string; trade_id: string }[] = [];
      // Sessions of random length; the last one stays until everything published has arrived.
      for (let session = 0; ; session++) {
        const stream = await open(`/stream?symbols=${symbols.join(',')}`, {
          'last-event-id': lastId ?? '',
        });
        const stopAfter = session % 2 === 0 ? 3 + (session % 4) : 0;
        await stream
          .until(
            (events) =>
              (stopAfter > 0 && tradesOf(events).length >= stopAfter) ||
              (!progress.writing && received.length + tradesOf(events).length >= published.length),
            stopAfter > 0 ? 3_000 : 20_000,
          )
          .catch(() => undefined);
        await stream.close();
        const got = tradesOf(stream.events);
        received.push(...got);
        lastId = got.at(-1)?.id ?? lastId;
        if (!progress.writing && received.length >= published.length) break;
        if (session > 60) break;
      }
      await write;
      await Promise.all(writers.map((sql) => sql.end()));
      expect(received.map((t) => t.trade_id).sort()).toEqual([...published].sort());
      const order = received.map((t) => t.id.split('-').map(BigInt) as [bigint, bigint]);
      for (let i = 1; i < order.length; i++) {
        const [[ax, as], [bx, bs]] = [order[i - 1] ?? [0n, 0n], order[i] ?? [0n, 0n]];
        expect(bx > ax || (bx === ax && bs > as), `event ${i} after event ${i - 1}`).toBe(true);
      }
    },
  );

  it('cuts off a client that does not read, with an error event, its queue never past the bound', async () => {
    const slowApp = createApp({ sql: db.sql, logger: captureLogger().logger, streamQueueLimit: 5 });
    const response = await slowApp.request('/stream?symbols=SLOW');
    // Not read while 30 trades are stored: the connection's queue passes 5 and is dropped.
    for (let i = 0; i < 6; i++) await publish(Array.from({ length: 5 }, () => trade('SLOW', '1')));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stream = readSse(response);
    streams.push(stream);
    await stream.until((events) => events.some((e) => e.event === 'error'));
    const error = stream.events.find((e) => e.event === 'error');
    expect(JSON.parse(error?.data ?? '{}')).toMatchObject({ error: 'too_slow' });
    await stream.until(() => stream.ended());
  });

  it('reads nothing while no stream is open; a stream opened afterwards starts from then', async () => {
    const reads: string[] = [];
    // The app's own pool, counting the statements that read trades.
    const counted = postgres(db.url, {
      max: 3,
      onnotice: () => undefined,
      debug: (_connection, query) => {
        if (/from trades/i.test(query)) reads.push(query);
      },
    }) as unknown as Sql;
    const idleApp = createApp({ sql: counted, logger: captureLogger().logger });
    const first = await open('/stream?symbols=AAPL', {}, idleApp);
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    reads.length = 0;
    const whileIdle = Array.from({ length: 10 }, () => trade('AAPL', '70'));
    for (const one of whileIdle) await publish([one]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reads).toEqual([]);

    const second = await open('/stream?symbols=AAPL', {}, idleApp);
    const after = trade('AAPL', '71');
    await publish([after]);
    await second.until((events) => tradesOf(events).length > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(tradesOf(second.events).map((t) => t.trade_id)).toEqual([after.trade_id]);
    await counted.end();
  });

  it('a stream that attaches reads what committed without a notification, not waiting for the poll', async () => {
    // No poll within the test: only the attach itself can read the trade.
    const hub = new StreamHub({ sql: db.sql, logger: captureLogger().logger, pollMs: 60_000 });
    await hub.start();
    // Stored as a writer whose notification was lost would leave it.
    await db.sql`
      insert into trades (trade_id, symbol, price, volume, ts, source, message_id)
      values ('AAPL-silent', 'AAPL', 101.5, 2, now(), 'test', 'silent')`;
    const { stream, done } = streamFromHub(hub, {});
    await stream.until((events) => tradesOf(events).length > 0);
    expect(tradesOf(stream.events).map((t) => t.trade_id)).toEqual(['AAPL-silent']);
    await done();
  });

  it('sends a heartbeat comment whenever nothing else was sent for the heartbeat interval', async () => {
    const hub = new StreamHub({ sql: db.sql, logger: captureLogger().logger });
    const { stream, done } = streamFromHub(hub, { heartbeatMs: 300 });
    await stream.live();
    // A trade in between: the quiet time before the next heartbeat starts again from it.
    await publish([trade('AAPL', '40')]);
    await done();
    const heartbeats = stream.comments.filter((c) => c.trim() === 'heartbeat').length;
    expect(heartbeats).toBeGreaterThanOrEqual(3);
    expect(heartbeats).toBeLessThanOrEqual(7);
    expect(tradesOf(stream.events)).toHaveLength(1);
    expect(stream.events.at(-1)?.event).toBe('end');
  });

  it('past STREAM_MAX_CLIENTS a new stream is a 503 with Retry-After; ends after STREAM_MAX_SECONDS', async () => {
    const small = createApp({
      sql: db.sql,
      logger: captureLogger().logger,
      streamMaxClients: 1,
      streamMaxSeconds: 1,
    });
    const first = readSse(await small.request('/stream?symbols=AAPL'));
    streams.push(first);
    await first.live();
    const refused = await small.request('/stream?symbols=AAPL');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ error: 'too_many_streams', status: 503 });
    await first.until(() => first.ended(), 5_000);
    const end = first.events.find((e) => e.event === 'end');
    expect(JSON.parse(end?.data ?? '{}')).toMatchObject({
      reason: 'max_duration',
      reconnect: true,
    });
    const next = readSse(await small.request('/stream?symbols=AAPL'));
    streams.push(next);
    expect(next.status).toBe(200);
  });

  it('an id it cannot resume gets a reset event, then the live stream', async () => {
    const stream = await open('/stream?symbols=AAPL', { 'last-event-id': '999999999-1' });
    await stream.until((events) => events.some((e) => e.event === 'reset'));
    expect(JSON.parse(stream.events[0]?.data ?? '{}')).toMatchObject({
      reason: 'unknown_event_id',
      resync: '/trades',
    });
    await publish([trade('AAPL', '40')]);
    await stream.until((events) => tradesOf(events).some((t) => t.price === '40'));
  });

  it.each([
    ['/stream', 400, 'invalid_parameter'],
    ['/stream?symbols=NOPE,AAPL', 404, 'symbol_not_found'],
    ['/stream?symbols=AAPL&events=quotes', 400, 'invalid_parameter'],
    ['/stream?symbols=AAPL&events=candles', 400, 'invalid_parameter'],
    ['/stream?symbols=AAPL&last_event_id=yesterday', 400, 'invalid_parameter'],
    [
      `/stream?symbols=${Array.from({ length: 101 }, (_, i) => `S${i}`).join(',')}`,
      400,
      'invalid_parameter',
    ],
  ])('%s → %i %s', async (path, status, code) => {
    const response = await app.request(path);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: code, status });
  });
});

describe('GET /stream through the Functions Framework', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    http(
      'api-stream',
      createApiFunction(loadApiConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'error' })),
    );
    server = getTestServer('api-stream');
    base = await listen(server);
  });
  afterAll(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    await close(server);
  });

  it('delivers trades over a real HTTP connection as they are stored', async () => {
    const stream = readSse(await fetch(`${base}/stream?symbols=MSFT`));
    streams.push(stream);
    expect(stream.status).toBe(200);
    await stream.live();
    await publish([trade('MSFT', '50'), trade('MSFT', '51')]);
    await stream.until((events) => tradesOf(events).length === 2);
    expect(tradesOf(stream.events).map((t) => t.price)).toEqual(['50', '51']);
  });
});
