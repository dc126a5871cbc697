/**
 * `npm run replay` as operators run it: the CLI publishes a tape to the real Pub/Sub emulator,
 * whose push subscription delivers to persist on the Functions Framework, which writes PostgreSQL.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTopicAndPushSubscription,
  persistPushSubscription,
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import type { ReplaySummary } from '../../infra/replay/replay.js';
import { binanceTradeIdPrefix } from '../../shared/sources/binance-trade-id.js';
import { skipWithoutEmulator } from '../support/emulator-required.js';
import { serveFunctions, type ServedFunctions } from '../support/functions-under-test.js';
import { runRepoCli } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait-for.js';

const TOPIC = 'trades-replay';
const T0 = Date.parse('2021-03-01T12:00:00Z');

/** A Binance aggTrades line (no header): one trade a second from T0. */
const aggLine = (i: number, price = `${50_000 + i}.5`) =>
  `${1000 + i},${price},0.0${i + 1},${2000 + i},${2000 + i},${T0 + i * 1000},True,True`;

describe.skipIf(skipWithoutEmulator)('replay: tape → Pub/Sub → persist → PostgreSQL', () => {
  let db: TestDatabase;
  let emulator: PubSubEmulator;
  let functions: ServedFunctions;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    emulator = await startPubSubEmulator();
    functions = await serveFunctions({ DATABASE_URL: db.url, LOG_LEVEL: 'error' }, ['persist']);
    await ensureTopicAndPushSubscription({
      host: emulator.host,
      ...persistPushSubscription(emulator.projectId, TOPIC, functions.urls.persist),
    });
    env = {
      PUBSUB_EMULATOR_HOST: emulator.host,
      GOOGLE_CLOUD_PROJECT: emulator.projectId,
      PUBSUB_TOPIC: TOPIC,
      PUBLISH_BATCH_SIZE: '4',
      LOG_LEVEL: 'warn',
    };
    await db.sql`insert into symbols (symbol, name) values ('TAPE', 'A tape'), ('FAST', 'Paced'), ('PAIR', 'Live ids')`;
    dir = await mkdtemp(join(tmpdir(), 'mdp-replay-'));
  });
  afterAll(async () => {
    await functions.close();
    await emulator.stop();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const tape = async (name: string, lines: string[]) => {
    const file = join(dir, name);
    await writeFile(file, `${lines.join('\n')}\n`);
    return file;
  };
  const replay = (args: string[]) => runRepoCli('infra/replay.cli.ts', args, env);
  const summaryOf = (stdout: string) =>
    JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ReplaySummary;
  const count = async (symbol: string) =>
    (
      await db.sql<{ n: number }[]>`select count(*)::int as n from trades where symbol = ${symbol}`
    )[0]?.n ?? 0;

  it('stops at a bad line, naming it, before publishing anything', async () => {
    const lines = [0, 1, 2, 3, 4, 5].map((i) => aggLine(i));
    lines[3] = aggLine(3, '50003.5x');
    const file = await tape('bad.csv', lines);
    const { code, stderr } = await replay(['--file', file, '--symbol', 'tape']);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `${file}: line 4: price: not a decimal (got "50003.5x"); nothing was published`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await count('TAPE')).toBe(0);
  });

  it('skips it with --skip-bad-lines, reporting it; a second run stores nothing twice', async () => {
    const lines = [0, 1, 2, 3, 4, 5].map((i) => aggLine(i));
    lines[3] = aggLine(3, '50003.5x');
    const file = await tape('bad.csv', lines);
    const first = await replay(['--file', file, '--symbol', 'TAPE', '--skip-bad-lines']);
    expect(first.code).toBe(0);
    expect(first.stdout + first.stderr).toMatch(
      /skipping .*bad\.csv: line 4: price: not a decimal/,
    );
    expect(summaryOf(first.stdout)).toMatchObject({
      layout: 'binance-aggtrades',
      symbol: 'TAPE',
      trades_published: 5,
      messages_published: 2,
      bad_lines: 1,
      first_ts: '2021-03-01T12:00:00.000Z',
      last_ts: '2021-03-01T12:00:05.000Z',
    });
    await waitFor('5 trades stored', async () => ((await count('TAPE')) === 5 ? true : undefined));
    const stored = await db.sql<{ trade_id: string; price: string }[]>`
      select trade_id, trim_scale(price)::text as price from trades where symbol = 'TAPE' order by ts`;
    expect(stored.map((t) => t.trade_id)).toEqual(
      [1000, 1001, 1002, 1004, 1005].map((id) => `TAPE:binance-aggtrades:${id}`),
    );
    expect(stored[0]?.price).toBe('50000.5');

    const again = await replay(['--file', file, '--symbol', 'TAPE', '--skip-bad-lines']);
    expect(summaryOf(again.stdout).trades_published).toBe(5);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await count('TAPE')).toBe(5);
  });

  it('with --binance-pair gives the live adapter’s ids, and refuses a tape of another layout', async () => {
    // Times in microseconds, as Binance's files write them since 2025; the live adapter's trades
    // carry whole milliseconds (aggTrades' T), and a trade is stored by (trade_id, ts).
    const file = await tape(
      'pair.csv',
      [0, 1, 2].map((i) =>
        aggLine(i).replace(`,${T0 + i * 1000},`, `,${(T0 + i * 1000) * 1000 + 789},`),
      ),
    );
    const { code } = await replay([
      '--file',
      file,
      '--symbol',
      'PAIR',
      '--binance-pair',
      'btcusdt',
    ]);
    expect(code).toBe(0);
    await waitFor('3 trades stored', async () => ((await count('PAIR')) === 3 ? true : undefined));
    const stored = await db.sql<{ trade_id: string; ts: Date }[]>`
      select trade_id, ts from trades where symbol = 'PAIR' order by ts`;
    expect(stored.map((t) => t.trade_id)).toEqual(
      [1000, 1001, 1002].map((id) => `${binanceTradeIdPrefix('PAIR', 'BTCUSDT')}${id}`),
    );
    const [micros] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from trades where symbol = 'PAIR' and extract(microseconds from ts)::int % 1000 <> 0`;
    expect(micros?.n).toBe(0);
    expect(stored.map((t) => t.ts)).toEqual([0, 1, 2].map((i) => new Date(T0 + i * 1000)));
    const json = await tape('lines.jsonl', [
      JSON.stringify({ id: '1', time: T0, price: '1', quantity: '1' }),
    ]);
    const refused = await replay(['--file', json, '--symbol', 'PAIR', '--binance-pair', 'BTCUSDT']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /--binance-pair needs a Binance aggTrades tape.*nothing was published/,
    );
  });

  it('honours --speed within 10 %, and --from/--to', async () => {
    // 21 trades a second apart: 20 s of tape, 2 s at ten times real time.
    const file = await tape(
      'paced.csv',
      Array.from({ length: 21 }, (_, i) => aggLine(i)),
    );
    const { code, stdout } = await replay(['--file', file, '--symbol', 'FAST', '--speed', '10']);
    expect(code).toBe(0);
    const summary = summaryOf(stdout);
    expect(summary).toMatchObject({ trades_published: 21, tape_seconds: 20, speed: 10 });
    expect(summary.wall_seconds).toBeGreaterThanOrEqual(1.8);
    expect(summary.wall_seconds).toBeLessThanOrEqual(2.2);

    const window = await replay([
      '--file',
      file,
      '--symbol',
      'FAST',
      '--from',
      '2021-03-01T12:00:05Z',
      '--to',
      String(T0 + 10_000),
    ]);
    expect(summaryOf(window.stdout)).toMatchObject({
      trades_published: 5,
      out_of_range: 16,
      first_ts: '2021-03-01T12:00:05.000Z',
      last_ts: '2021-03-01T12:00:09.000Z',
      speed: 'max',
    });
    await waitFor('21 trades stored', async () =>
      (await count('FAST')) === 21 ? true : undefined,
    );
  });

  it.each([
    [['--symbol', 'X'], /--file is required/],
    [
      ['--file', 'x.csv', '--symbol', 'X', '--speed', 'fast'],
      /--speed must be a number above 0 or max/,
    ],
    [['--file', '/nonexistent.csv', '--symbol', 'X'], /cannot read \/nonexistent\.csv/],
  ])('refuses %j with a plain message', async (args, message) => {
    const { code, stderr } = await replay(args);
    expect(code).toBeGreaterThan(0);
    expect(stderr).toMatch(message);
  });
});
