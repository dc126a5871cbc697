/**
 * The Binance adapter through the whole pipeline, with no internet: the ingest handler on the
 * Functions Framework asks a local server that answers in Binance's documented aggTrades format
 * (test/support/fake-binance.ts), publishes to the real Pub/Sub emulator, whose push subscription
 * delivers to persist, which writes real PostgreSQL. Failures are scripted in front of the fixture.
 */
import type { Server } from 'node:http';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../functions/ingest/ingest.handler.js';
import {
  ensureTopicAndPushSubscription,
  persistPushSubscription,
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { loadIngestConfig } from '../../shared/config/function-config.js';
import { createSql, type Sql } from '../../shared/db/client.js';
import { createPubSubPublisher } from '../../shared/messaging/pubsub-publisher.js';
import type { TradePublisher } from '../../shared/messaging/trade-publisher.js';
import { captureLogger } from '../support/capture-logger.js';
import { skipWithoutEmulator } from '../support/emulator-required.js';
import {
  aggTradesFixture,
  startFakeBinance,
  type FakeBinance,
  type ScriptedAnswer,
} from '../support/fake-binance.js';
import { serveFunctions, type ServedFunctions } from '../support/functions-under-test.js';
import { close, listen } from '../support/http-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const TOPIC = 'trades-binance';
/** After the fixture's last trade (2017-06-30T03:36:36.183Z): every fixture trade is due. */
const UNTIL = '2017-06-30T04:00:00.000Z';
const PAGE_SIZE = 5;
const PAGES_PER_RUN = 2;

interface Summary {
  trades_published: number;
  symbols: { symbol: string; source: string; trades: number; status: string; reason?: string }[];
}

describe.skipIf(skipWithoutEmulator)(
  'binance source: aggTrades → ingest → Pub/Sub → persist',
  () => {
    let db: TestDatabase;
    let emulator: PubSubEmulator;
    let binance: FakeBinance;
    let functions: ServedFunctions;
    let sql: Sql;
    let publisher: TradePublisher;
    let ingest: Server;
    let ingestUrl: string;
    const logs = captureLogger();

    beforeAll(async () => {
      db = await createTestDatabase();
      emulator = await startPubSubEmulator();
      binance = await startFakeBinance({ unknown: ['NOPEUSDT'] });
      const env = {
        DATABASE_URL: db.url,
        PUBSUB_EMULATOR_HOST: emulator.host,
        GOOGLE_CLOUD_PROJECT: emulator.projectId,
        PUBSUB_TOPIC: TOPIC,
        BINANCE_BASE_URL: binance.url,
        BINANCE_PAGE_SIZE: String(PAGE_SIZE),
        BINANCE_MAX_PAGES_PER_RUN: String(PAGES_PER_RUN),
        SOURCE_MAX_RETRIES: '2',
        SOURCE_RETRY_BASE_MS: '5',
        INGEST_MAX_BACKFILL_SECONDS: String(7 * 24 * 3600),
        LOG_LEVEL: 'error',
      };
      functions = await serveFunctions(env, ['persist']);
      await ensureTopicAndPushSubscription({
        host: emulator.host,
        ...persistPushSubscription(emulator.projectId, TOPIC, functions.urls.persist),
      });
      // The ingest function as deployed, but with a logger the test reads back.
      const config = loadIngestConfig(env);
      sql = createSql(config);
      publisher = createPubSubPublisher({
        projectId: emulator.projectId,
        topic: TOPIC,
        emulatorHost: emulator.host,
      });
      http('ingest-binance', createIngestHandler({ sql, publisher, config, logger: logs.logger }));
      ingest = getTestServer('ingest-binance');
      ingestUrl = await listen(ingest);
      await db.sql`insert into symbols (symbol, name, source, source_symbol) values
      ('ETH-BTC', 'Ether in bitcoin', 'binance', 'ETHBTC'),
      ('TWICE', 'Fetched twice at once', 'binance', 'ETHBTC'),
      ('NOPE', 'An unknown pair', 'binance', 'NOPEUSDT')`;
      await db.sql`insert into symbols (symbol, name) values ('SYN', 'The synthetic walk')`;
    });
    afterAll(async () => {
      await close(ingest);
      await publisher.close();
      await sql.end({ timeout: 5 });
      await functions.close();
      await binance.close();
      await emulator.stop();
      await db.drop();
    });
    beforeEach(async () => {
      // A failed test must not leave its scripted answers or its pause to the next one.
      binance.reset();
      await db.sql`delete from source_pauses`;
    });

    const run = async (symbols: string[]): Promise<Summary> => {
      const response = await fetch(ingestUrl, {
        method: 'POST',
        body: JSON.stringify({ symbols, until: UNTIL }),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as Summary;
    };
    const stored = (symbol: string) =>
      db.sql<{ trade_id: string; price: string; volume: string; ts: Date; source: string }[]>`
      select trade_id, trim_scale(price)::text as price, trim_scale(volume)::text as volume, ts, source
      from trades where symbol = ${symbol} order by ts, seq`;
    const storedCount = (symbol: string, count: number) =>
      waitFor(`${count} trades of ${symbol} stored`, async () =>
        (await stored(symbol)).length === count ? true : undefined,
      );
    const warnings = () =>
      logs
        .lines()
        .filter((line) => line.severity === 'WARNING')
        .map((line) => String(line.message));

    it('fetches by fromId across runs, bounded per run, storing every trade once in exchange order', async () => {
      const first = await run(['ETH-BTC']);
      expect(first.symbols).toEqual([
        expect.objectContaining({
          symbol: 'ETH-BTC',
          source: 'binance',
          trades: 10,
          status: 'behind',
        }),
      ]);
      expect(
        binance.requests.map((q) => [q.get('symbol'), q.get('fromId'), q.get('limit')]),
      ).toEqual([
        ['ETHBTC', null, '5'],
        ['ETHBTC', '26134', '5'],
      ]);
      expect(binance.requests[0]?.get('startTime')).toBe(
        String(Date.parse(UNTIL) - 7 * 86_400_000),
      );
      await storedCount('ETH-BTC', 10);

      // The second run continues after the last stored trade: through the id gap, to the end.
      const second = await run(['ETH-BTC']);
      expect(second.symbols[0]).toMatchObject({ trades: 10, status: 'behind' });
      expect(binance.requests.slice(2).map((q) => q.get('fromId'))).toEqual(['26139', '26146']);
      await storedCount('ETH-BTC', 20);
      expect(warnings()).toContainEqual(
        expect.stringContaining('binance skipped aggregate trade ids 26141..26142'),
      );

      // Caught up: an empty page, nothing published, and the same again on the run after.
      for (let i = 0; i < 2; i++) {
        const idle = await run(['ETH-BTC']);
        expect(idle.symbols[0]).toMatchObject({ trades: 0, status: 'ok' });
        expect(idle.trades_published).toBe(0);
      }
      expect(binance.requests.slice(4).map((q) => q.get('fromId'))).toEqual(['26151', '26151']);

      const trades = await stored('ETH-BTC');
      expect(trades).toEqual(
        aggTradesFixture.map((trade) => ({
          trade_id: `ETH-BTC:binance:ETHBTC:${trade.a}`,
          price: trade.p.replace(/0+$/, '').replace(/\.$/, ''),
          volume: trade.q.replace(/0+$/, '').replace(/\.$/, ''),
          ts: new Date(trade.T),
          source: 'binance',
        })),
      );
    });

    it('stores nothing twice when runs overlap, and skips nothing', async () => {
      // Two runs at once: each continues from whatever the other has stored by then, so they fetch
      // the same trades or adjacent ones; either way each is stored once.
      await Promise.all([run(['TWICE']), run(['TWICE'])]);
      await waitFor('the overlapping runs stored', async () =>
        (await stored('TWICE')).length >= 10 ? true : undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      for (let i = 0; i < 4 && (await run(['TWICE'])).symbols[0]?.status !== 'ok'; i++)
        await new Promise((resolve) => setTimeout(resolve, 500));
      await storedCount('TWICE', aggTradesFixture.length);
      expect((await stored('TWICE')).map((t) => t.trade_id)).toEqual(
        aggTradesFixture.map((trade) => `TWICE:binance:ETHBTC:${trade.a}`),
      );
    });

    const bad = (status: number, body: string, headers: Record<string, string> = {}) => ({
      status,
      body,
      headers,
    });
    const restricted =
      '{"code":0,"msg":"Service unavailable from a restricted location according to \'b. Eligibility\' in https://www.binance.com/en/terms. Please contact customer service if you believe you received this message in error."}';

    it.each<[string, ScriptedAnswer[], string, RegExp, number]>([
      [
        '429 with Retry-After',
        [bad(429, '{"code":-1003,"msg":"Too many requests."}', { 'retry-after': '7' })],
        'deferred',
        /rate limiting us \(HTTP 429, Retry-After 7 s\): Too many requests\. \(code -1003\)/,
        0,
      ],
      [
        '418 with Retry-After',
        [
          bad(418, '{"code":-1003,"msg":"Way too many requests; IP banned until 1498795000000."}', {
            'retry-after': '120',
          }),
        ],
        'deferred',
        /banned this IP for not backing off \(HTTP 418, Retry-After 120 s\)/,
        0,
      ],
      [
        '451 (a region Binance does not serve)',
        [bad(451, restricted)],
        'stopped',
        /HTTP 451\).*deploy ingest in a region Binance serves.*restricted location/,
        0,
      ],
      [
        'a 5xx once, then the page',
        [bad(502, '<html>502 Bad Gateway</html>')],
        'behind',
        /read BINANCE_MAX_PAGES_PER_RUN \(2\) pages; the next run continues/,
        10,
      ],
      [
        'a 5xx on every attempt',
        [1, 2, 3].map(() =>
          bad(
            503,
            '{"code":-1001,"msg":"Internal error; unable to process your request. Please try again."}',
          ),
        ),
        'deferred',
        /answered 503: Internal error.*\(code -1001\)/,
        0,
      ],
      [
        'malformed JSON on every attempt',
        [1, 2, 3].map(() => bad(200, '[{"a":26129,"p":"0.0163')),
        'deferred',
        /malformed JSON/,
        0,
      ],
      [
        'a page that is not aggTrades',
        [1, 2, 3].map(() => bad(200, '[{"a":"x"}]')),
        'deferred',
        /unexpected aggTrades page/,
        0,
      ],
    ])(
      '%s: logged with its reason, other symbols unaffected',
      async (_name, answers, status, reason, trades) => {
        const symbol = `F${Math.floor(Math.random() * 1e6)}`;
        await db.sql`insert into symbols (symbol, name, source, source_symbol) values (${symbol}, 'x', 'binance', 'ETHBTC')`;
        binance.script(...answers);
        const summary = await run([symbol, 'SYN']);
        const mine = summary.symbols.find((s) => s.symbol === symbol);
        expect(mine).toMatchObject({ status, trades });
        expect(mine?.reason ?? '').toMatch(reason);
        expect(summary.symbols.find((s) => s.symbol === 'SYN')).toMatchObject({ status: 'ok' });
        if (status !== 'behind') expect(warnings().some((w) => reason.test(w))).toBe(true);
        else
          expect(warnings()).toContainEqual(
            expect.stringMatching(/retrying after: binance answered 502/),
          );
        if (trades > 0) await storedCount(symbol, trades);

        const requestsBefore = binance.requests.length;
        const next = (await run([symbol])).symbols[0];
        if (status === 'stopped') {
          // Stopped for good: not asked again until an operator changes the symbol.
          expect(next).toMatchObject({ status: 'stopped' });
          expect(binance.requests.length).toBe(requestsBefore);
          const [row] = await db.sql<{ source_stopped_reason: string }[]>`
        select source_stopped_reason from symbols where symbol = ${symbol}`;
          expect(row?.source_stopped_reason).toMatch(reason);
        } else if (/Retry-After/.test(reason.source)) {
          // Every instance honours the wait: no request until it has passed.
          expect(next).toMatchObject({
            status: 'deferred',
            reason: expect.stringMatching(/^paused until/) as unknown,
          });
          expect(binance.requests.length).toBe(requestsBefore);
          await db.sql`delete from source_pauses`;
          expect((await run([symbol])).symbols[0]).toMatchObject({ status: 'behind', trades: 10 });
        } else {
          // Healed: the next run continues from the last stored trade.
          expect(next).toMatchObject({ status: 'behind', trades: 10 });
        }
      },
    );

    it('a 429 in the middle keeps the pages fetched and asks nothing more this run', async () => {
      await db.sql`insert into symbols (symbol, name, source, source_symbol) values
      ('MID-A', 'x', 'binance', 'ETHBTC'), ('MID-B', 'x', 'binance', 'ETHBTC')`;
      binance.script(
        { status: 200, body: JSON.stringify(aggTradesFixture.slice(0, PAGE_SIZE)) },
        {
          status: 429,
          headers: { 'retry-after': '30' },
          body: '{"code":-1003,"msg":"Too many requests."}',
        },
      );
      const summary = await run(['MID-A', 'MID-B']);
      expect(summary.symbols).toEqual([
        expect.objectContaining({ symbol: 'MID-A', status: 'deferred', trades: PAGE_SIZE }),
        expect.objectContaining({
          symbol: 'MID-B',
          status: 'deferred',
          reason: expect.stringMatching(/^not asked: binance is rate limiting us/) as unknown,
        }),
      ]);
      expect(binance.requests).toHaveLength(2);
      await storedCount('MID-A', PAGE_SIZE);
    });

    it('stops asking for the run once Binance reports the weight budget used', async () => {
      await db.sql`insert into symbols (symbol, name, source, source_symbol) values ('HEAVY', 'x', 'binance', 'ETHBTC')`;
      binance.script({
        status: 200,
        headers: { 'x-mbx-used-weight-1m': '3000' },
        body: JSON.stringify(aggTradesFixture.slice(0, PAGE_SIZE)),
      });
      const summary = await run(['HEAVY']);
      expect(summary.symbols[0]).toMatchObject({
        status: 'behind',
        trades: PAGE_SIZE,
        reason:
          'request weight 3000 of BINANCE_WEIGHT_BUDGET 3000 used this minute; the next run continues',
      });
      expect(binance.requests).toHaveLength(1);
    });

    it("stops an unknown pair cleanly with Binance's own reason", async () => {
      const summary = await run(['NOPE', 'ETH-BTC']);
      expect(summary.symbols).toEqual([
        expect.objectContaining({ symbol: 'ETH-BTC', status: 'ok' }),
        expect.objectContaining({
          symbol: 'NOPE',
          status: 'stopped',
          reason: 'binance answered 400: Invalid symbol. (code -1121)',
        }),
      ]);
      expect(warnings()).toContainEqual(
        'stopped NOPE: binance answered 400: Invalid symbol. (code -1121)',
      );
    });
  },
);
