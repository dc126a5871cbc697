/**
 * A real exchange tape, replayed through the production path (npm run replay → Pub/Sub emulator →
 * persist → PostgreSQL → api), reproduces that exchange's own published candles exactly: every
 * Binance XRPETH trade of 2019-10-11 against Binance's 1-minute klines of the day
 * (test/fixtures/xrpeth-2019-10-11/README.md says where both come from).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTopicAndPushSubscription,
  persistPushSubscription,
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import type { ReplaySummary } from '../../infra/replay/replay.js';
import { skipWithoutEmulator } from '../support/emulator-required.js';
import { serveFunctions, type ServedFunctions } from '../support/functions-under-test.js';
import { runRepoCli } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const TOPIC = 'trades-exchange-tape';
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'xrpeth-2019-10-11');
const TAPE = join(FIXTURES, 'XRPETH-trades-2019-10-11.csv');
const TRADES_ON_TAPE = 5_929;

interface Kline {
  timestamp: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

/** Binance's klines as /candles writes a candle's OHLCV. */
async function klines(): Promise<Kline[]> {
  const [, ...rows] = (await readFile(join(FIXTURES, 'XRPETH-1m-2019-10-11.csv'), 'utf8'))
    .trim()
    .split('\n');
  return rows.map((row) => {
    const [openTime = '', open = '', high = '', low = '', close = '', volume = ''] = row.split(',');
    return {
      timestamp: new Date(Number(openTime)).toISOString(),
      open,
      high,
      low,
      close,
      volume,
    };
  });
}

describe.skipIf(skipWithoutEmulator)(
  "a real Binance tape, replayed, gives Binance's candles",
  () => {
    let db: TestDatabase;
    let emulator: PubSubEmulator;
    let functions: ServedFunctions;

    beforeAll(async () => {
      db = await createTestDatabase();
      emulator = await startPubSubEmulator();
      functions = await serveFunctions({ DATABASE_URL: db.url, LOG_LEVEL: 'error' }, [
        'api',
        'persist',
      ]);
      await ensureTopicAndPushSubscription({
        host: emulator.host,
        ...persistPushSubscription(emulator.projectId, TOPIC, functions.urls.persist),
      });
      await db.sql`insert into symbols (symbol, name) values ('XRPETH', 'XRP in ether (Binance)')`;
    });
    afterAll(async () => {
      await functions.close();
      await emulator.stop();
      await db.drop();
    });

    it('every 1-minute candle of the day equals the kline: OHLCV, empty minutes flat', async () => {
      const { code, stdout, stderr } = await runRepoCli(
        'infra/replay.cli.ts',
        ['--file', TAPE, '--symbol', 'XRPETH'],
        {
          PUBSUB_EMULATOR_HOST: emulator.host,
          GOOGLE_CLOUD_PROJECT: emulator.projectId,
          PUBSUB_TOPIC: TOPIC,
          LOG_LEVEL: 'warn',
        },
      );
      expect(code, stderr).toBe(0);
      const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ReplaySummary;
      expect(summary).toMatchObject({
        trades_published: TRADES_ON_TAPE,
        bad_lines: 0,
        layout: 'csv',
      });
      await waitFor(
        'the whole tape stored',
        async () => {
          const [row] = await db.sql<{ n: number }[]>`
          select count(*)::int as n from trades where symbol = 'XRPETH'`;
          return row?.n === TRADES_ON_TAPE ? true : undefined;
        },
        60_000,
      );

      const response = await fetch(
        `${functions.urls.api}/candles?symbol=XRPETH&interval=1m&start=2019-10-11T00:00:00Z&end=2019-10-12T00:00:00Z&fill=previous&limit=1440`,
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as { count: number; candles: (Kline & object)[] };
      const expected = await klines();
      expect(expected).toHaveLength(1_440);
      expect(body.count).toBe(1_440);
      const served = body.candles.map(({ timestamp, open, high, low, close, volume }) => ({
        timestamp,
        open,
        high,
        low,
        close,
        volume,
      }));
      // One comparison of all 1,440, so a failure shows every minute that differs.
      expect(served).toEqual(expected);
      // The day holds both kinds: traded minutes and empty ones (flat at the previous close).
      expect(expected.filter((k) => k.volume === '0').length).toBeGreaterThan(100);
    });
  },
);
