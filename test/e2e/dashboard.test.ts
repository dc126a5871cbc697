/**
 * GET /dashboard in a real browser (Debian's headless Chromium through playwright-core) against the
 * api as deployed (its own Functions Framework process) over a real PostgreSQL, trades published to
 * the Pub/Sub emulator and pushed to the persist function (set-up data pushed to persist directly,
 * in the same envelope): the page shows exactly what /candles and /indicators answer, switches
 * symbol, interval and indicator parameters, moves within 2 s of a published trade, redraws a
 * revised candle, keeps the ingestion badge current, keeps up with 100 trades/s, and asks for a key
 * (kept out of every URL) when the api requires one. Render and stream figures are printed.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { PubSub } from '@google-cloud/pubsub';
import getPort from 'get-port';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunction, type FunctionProcess } from '../../infra/local-stack/function-process.js';
import {
  ensureTopicAndPushSubscription,
  persistPushSubscription,
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { createApiKey } from '../../shared/auth/api-key-store.js';
import { bucketStart } from '../../shared/market/candle-intervals.js';
import { SCHEMA_ATTRIBUTE, TRADES_V1 } from '../../shared/schemas/trade-message.js';
import { launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { skipWithoutEmulator } from '../support/emulator-required.js';
import {
  emulatorClient,
  serveFunctions,
  type ServedFunctions,
} from '../support/functions-under-test.js';
import { watchPage } from '../support/page-watch.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const MINUTE = 60_000;
/**
 * Minutes of DASHH's history: the first view's day (1,440 buckets), an older page of 500 and a
 * short one after it.
 */
const HISTORY_MINUTES = 2_100;
/** Minutes of DASHD's day of trades, one every 5 s: a view's first page of 1m candles, and one more. */
const DAY_MINUTES = 1_441;
const TOPIC = 'trades-dashboard';
/** The api's ingestion interval: a symbol is stale 3 s after its newest trade. */
const INGESTION_INTERVAL_SECONDS = 1;

interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}
interface LiveStats {
  tradeEvents: number;
  candleEvents: number;
  candlesDrawn: number;
  framesDrawn: number;
  tradeLagMs: number[];
}
interface Probe {
  loads: number;
  view: { symbol: string; interval: string } | undefined;
  range: { start: string; end: string } | undefined;
  bars(): Bar[];
  indicatorLoads: number;
  indicators(): Record<string, Record<string, { time: number; value: number }[]>>;
  olderPages: number;
  olderLoading: boolean;
  historyComplete: boolean;
  anomalyLoads: number;
  markers(): { id?: string; time: number; text?: string; shape: string; color: string }[];
  timeScale(): {
    scrollPosition(): number;
    scrollToPosition(position: number, animated: boolean): void;
    getVisibleLogicalRange(): { from: number; to: number } | null;
    timeToCoordinate(time: number): number | null;
  };
  live: LiveStats;
}
/** The page's globals the test reads (the root tsconfig has Node's types, not the DOM's). */
interface PageWindow {
  mdpDashboard?: Probe;
  sessionStorage: Record<string, string>;
  localStorage: { length: number };
  requestAnimationFrame(callback: (time: number) => void): number;
  performance: {
    now(): number;
    getEntriesByName(name: string): { startTime: number; duration: number; detail?: unknown }[];
    getEntriesByType(type: string): {
      name: string;
      startTime: number;
      responseStart: number;
      responseEnd: number;
    }[];
  };
  PerformanceObserver: new (callback: (list: { getEntries(): { duration: number }[] }) => void) => {
    observe(options: { type: string }): void;
    disconnect(): void;
  };
  /** The frame counter the stream test installs in the page. */
  frameMeter?: { frames: number; longTasks: number; longTaskMs: number; stop(): void };
}

/** A percentile of `values` (nearest rank). */
const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};

describe.skipIf(skipWithoutChromium)('GET /dashboard in a browser', () => {
  let db: TestDatabase;
  let persist: ServedFunctions;
  let api: FunctionProcess;
  let browser: Browser;
  let emulator: PubSubEmulator | undefined;
  let pubsub: PubSub | undefined;
  let counter = 0;
  const env = { LOG_LEVEL: 'error' };

  const apiProcess = async (extra: Record<string, string> = {}) =>
    startFunction({
      name: 'api',
      port: await getPort(),
      env: {
        ...process.env,
        ...env,
        DATABASE_URL: db.url,
        INGESTION_INTERVAL_SECONDS: String(INGESTION_INTERVAL_SECONDS),
        ...extra,
      },
      onLine: () => undefined,
    });

  const trade = ({
    symbol,
    price,
    ts,
    volume = '10',
  }: {
    symbol: string;
    price: string;
    ts: number;
    volume?: string;
  }) => ({
    trade_id: `${symbol}-dash-${++counter}`,
    symbol,
    price,
    volume,
    ts: new Date(ts).toISOString(),
  });

  /** Publishes trades to the Pub/Sub emulator's topic, whose push subscription delivers to persist. */
  const publish = async (trades: Parameters<typeof trade>[0][]) => {
    if (pubsub === undefined) throw new Error('the Pub/Sub emulator is not running');
    await pubsub.topic(TOPIC).publishMessage({
      data: Buffer.from(JSON.stringify({ v: 1, source: 'synthetic', trades: trades.map(trade) })),
      attributes: { [SCHEMA_ATTRIBUTE]: TRADES_V1 },
    });
  };

  /** Stores trades as Pub/Sub would deliver them: a push to the persist function. */
  const store = async (
    trades: { symbol: string; price: string; ts: number; volume?: string }[],
  ) => {
    const message = {
      v: 1,
      source: 'synthetic',
      trades: trades.map(trade),
    };
    const response = await fetch(`${persist.urls.persist}/projects/local/topics/trades`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message: {
          data: Buffer.from(JSON.stringify(message)).toString('base64'),
          messageId: `dash-${counter}`,
          attributes: { schema: 'trades.v1' },
        },
        subscription: 'projects/local/subscriptions/trades-persist',
      }),
    });
    expect(response.status).toBeLessThan(300);
  };

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    db = await createTestDatabase();
    await db.sql`insert into symbols (symbol, name) values ('DASHA', 'Dash Alpha'), ('DASHB', 'Dash Beta'), ('DASHH', 'Dash History'), ('DASHD', 'Dash Day'), ('DASHL', 'Dash Load'), ('DASHN', 'Dash New'), ('DASHK', 'Dash Spike')`;
    persist = await serveFunctions({ ...env, DATABASE_URL: db.url }, ['persist']);
    // The emulator starts (a few seconds of Java) while the history is stored.
    const emulatorReady = skipWithoutEmulator
      ? Promise.resolve()
      : startPubSubEmulator().then(async (started) => {
          emulator = started;
          pubsub = emulatorClient(started);
          await ensureTopicAndPushSubscription({
            host: started.host,
            ...persistPushSubscription(started.projectId, TOPIC, persist.urls.persist),
          });
        });
    // Forty minutes of trades up to the minute before this one, a few a minute, per symbol.
    const thisMinute = bucketStart(Date.now(), MINUTE);
    const history = [];
    for (let minute = 40; minute >= 1; minute--)
      for (const [symbol, base] of [
        ['DASHA', 100],
        ['DASHB', 50],
      ] as const)
        for (let i = 0; i < 3; i++)
          history.push({
            symbol,
            price: (base + ((minute * 7 + i * 3) % 11) / 4).toFixed(2),
            ts: thisMinute - minute * MINUTE + i * 15_000,
            volume: String(5 + ((minute * 13 + i * 7) % 17) * 10),
          });
    await store(history);
    // DASHH: one trade a minute for HISTORY_MINUTES minutes, for the history pages.
    const long = [];
    for (let minute = HISTORY_MINUTES; minute >= 1; minute--)
      long.push({
        symbol: 'DASHH',
        price: (20 + ((minute * 7) % 13) / 4).toFixed(2),
        ts: thisMinute - minute * MINUTE + 30_000,
      });
    for (let i = 0; i < long.length; i += 1_000) await store(long.slice(i, i + 1_000));
    // DASHD: a day of trades, one every 5 s, up to this minute.
    const day = [];
    for (let at = thisMinute - (DAY_MINUTES - 1) * MINUTE; at <= thisMinute; at += 5_000)
      day.push({
        symbol: 'DASHD',
        price: (300 + Math.sin(at / 3_600_000) * 20 + ((at / 5_000) % 7) / 10).toFixed(2),
        ts: at,
        volume: String(1 + ((at / 5_000) % 13)),
      });
    for (let i = 0; i < day.length; i += 5_000) await store(day.slice(i, i + 5_000));
    await store([{ symbol: 'DASHL', price: '10', ts: thisMinute - MINUTE }]);
    [api, browser] = await Promise.all([apiProcess(), launchChromium(), emulatorReady]);
  });
  afterAll(async () => {
    await browser.close();
    await api.stop();
    await persist.close();
    await pubsub?.close();
    await emulator?.stop();
    await db.drop();
  });

  const probe = async (page: Page): Promise<Pick<Probe, 'loads' | 'view' | 'range'>> => {
    const found = await page.evaluate(() => {
      const p = (globalThis as unknown as PageWindow).mdpDashboard;
      return p === undefined ? undefined : { loads: p.loads, view: p.view, range: p.range };
    });
    if (found === undefined) throw new Error('the page exposes no window.mdpDashboard');
    return found;
  };
  const chartBars = (page: Page) =>
    page.evaluate(
      () =>
        (globalThis as unknown as PageWindow).mdpDashboard?.bars().map((bar) => ({ ...bar })) ?? [],
    );

  /** Waits until the page has loaded `loads` views, the last one `symbol` at `interval`. */
  const loaded = (page: Page, loads: number, symbol: string, interval: string) =>
    page.waitForFunction(
      ([n, s, i]) => {
        const p = (globalThis as unknown as PageWindow).mdpDashboard;
        return p !== undefined && p.loads >= n && p.view?.symbol === s && p.view.interval === i;
      },
      [loads, symbol, interval] as const,
    );

  /** Waits until the view's history is all loaded and no older page is on its way. */
  const historyDone = (page: Page) =>
    page.waitForFunction(() => {
      const p = (globalThis as unknown as PageWindow).mdpDashboard;
      return p?.historyComplete === true && !p.olderLoading;
    });

  /** /candles for the range the page shows, as the chart's bars. */
  const servedBars = async (
    baseUrl: string,
    symbol: string,
    interval: string,
    range: Probe['range'] | undefined,
  ) => {
    const query = new URLSearchParams({
      symbol,
      interval,
      start: range?.start ?? '',
      end: range?.end ?? '',
      limit: '5000',
    });
    const body = (await (await fetch(`${baseUrl}/candles?${query.toString()}`)).json()) as {
      candles: { timestamp: string; open: string; high: string; low: string; close: string }[];
    };
    return body.candles.map((c): Bar => ({
      time: Date.parse(c.timestamp) / 1000,
      open: Number(c.open),
      high: Number(c.high),
      low: Number(c.low),
      close: Number(c.close),
    }));
  };

  it('serves the page with a same-origin CSP and immutable, content-hashed assets', async () => {
    const page = await fetch(`${api.url}/dashboard`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
    const assets = [...html.matchAll(/\/dashboard\/assets\/(main\.[A-Z0-9]+\.(?:js|css))/g)].map(
      (match) => match[1],
    );
    expect(assets).toHaveLength(2);
    // Page weight (issue 14: all assets gzipped at most 250 KB): the page and its hashed assets.
    let gzippedBytes = gzipSync(html).length;
    for (const asset of assets) {
      const response = await fetch(`${api.url}/dashboard/assets/${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      gzippedBytes += gzipSync(Buffer.from(await response.arrayBuffer())).length;
    }
    process.stdout.write(`dashboard: page weight ${(gzippedBytes / 1024).toFixed(1)} KB gzipped\n`);
    expect(gzippedBytes).toBeLessThanOrEqual(250 * 1024);
    expect((await fetch(`${api.url}/dashboard/assets/main.NOPE.js`)).status).toBe(404);
  });

  it('shows /candles exactly, switches symbol (keyboard) and interval, and moves with trades', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    const watch = watchPage(page);
    const started = performance.now();
    await page.goto(`${api.url}/dashboard#symbol=DASHA&interval=1m`);
    await loaded(page, 1, 'DASHA', '1m');
    process.stdout.write(
      `dashboard: first render of 1m candles in ${Math.round(performance.now() - started)} ms\n`,
    );
    await page.waitForSelector('#connection[data-state="live"]');
    const first = await probe(page);
    const bars = await chartBars(page);
    expect(bars.length).toBeGreaterThanOrEqual(40);
    expect(bars).toEqual(await servedBars(api.url, 'DASHA', '1m', first.range));
    await expect(page.textContent('#last-candle')).resolves.toMatch(
      /^Last candle: DASHA 1m .*close/,
    );
    // The crosshair's legend: the hovered bucket's values, as /candles has them.
    const box = await page.locator('#chart').boundingBox();
    if (box === null) throw new Error('no chart on the page');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const legend = (await page.textContent('#legend')) ?? '';
    const hovered =
      /^DASHA 1m (\S+): open ([\d.]+), high ([\d.]+), low ([\d.]+), close ([\d.]+), volume \d+, VWAP [\d.]+, \d+ trades?$/.exec(
        legend,
      );
    expect(hovered, legend).not.toBeNull();
    const [, at = '', open, high, low, close] = hovered ?? [];
    expect(bars).toContainEqual({
      time: Date.parse(at) / 1000,
      open: Number(open),
      high: Number(high),
      low: Number(low),
      close: Number(close),
    });
    expect(Date.parse(at) / 1000).toBeLessThan(bars.at(-1)?.time ?? 0);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // The symbol by keyboard: search, Enter picks the first match.
    await page.focus('#symbol-search');
    await page.keyboard.type('beta');
    await page.keyboard.press('Enter');
    await loaded(page, 2, 'DASHB', '1m');
    expect(page.url()).toContain('#symbol=DASHB&interval=1m');
    expect(await chartBars(page)).toEqual(
      await servedBars(api.url, 'DASHB', '1m', (await probe(page)).range),
    );

    // The interval by keyboard too: the select focused, the next one down (1m → 3m).
    await page.focus('#interval');
    await page.keyboard.press('ArrowDown');
    await loaded(page, 3, 'DASHB', '3m');
    expect(page.url()).toContain('interval=3m');
    expect(await chartBars(page)).toEqual(
      await servedBars(api.url, 'DASHB', '3m', (await probe(page)).range),
    );

    // Back to 1m, live: a trade published to Pub/Sub in this minute opens a new bucket within 2 s.
    await page.selectOption('#interval', '1m');
    await loaded(page, 4, 'DASHB', '1m');
    await page.waitForSelector('#connection[data-state="live"]');
    const before = (await chartBars(page)).length;
    const storedAt = performance.now();
    // (Pushed to persist directly only on a machine without the emulator, which says so loudly.)
    await (skipWithoutEmulator ? store : publish)([
      { symbol: 'DASHB', price: '77.25', ts: Date.now() },
    ]);
    await page.waitForFunction(
      () => (globalThis as unknown as PageWindow).mdpDashboard?.bars().at(-1)?.close === 77.25,
      undefined,
      {
        timeout: 2_000,
      },
    );
    process.stdout.write(
      `dashboard: a published trade shown after ${Math.round(performance.now() - storedAt)} ms\n`,
    );
    expect((await chartBars(page)).length).toBe(before + 1);

    // A late trade revises a closed candle: redrawn where it stands.
    const revisedTime = (bucketStart(Date.now(), MINUTE) - 10 * MINUTE) / 1000;
    await store([{ symbol: 'DASHB', price: '99.5', ts: revisedTime * 1000 + 20_000 }]);
    await page.waitForFunction(
      (time) =>
        (globalThis as unknown as PageWindow).mdpDashboard?.bars().find((bar) => bar.time === time)
          ?.high === 99.5,
      revisedTime,
      { timeout: 5_000 },
    );
    expect((await chartBars(page)).length).toBe(before + 1);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-live.png') });
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it('marks the anomalies of the view on its candles: recorded before load, live, after a switch', async () => {
    /** /anomalies for DASHK from `since`, as the markers the page should draw at `intervalMs`. */
    const servedMarkers = async (since: string, intervalMs: number) => {
      const query = new URLSearchParams({ symbol: 'DASHK', since, limit: '1000' });
      const body = (await (await fetch(`${api.url}/anomalies?${query.toString()}`)).json()) as {
        anomalies: { id: string; kind: string; detected_at: string; bucket: string | null }[];
      };
      return body.anomalies
        .map((a) => ({
          id: a.id,
          text: a.kind,
          time: bucketStart(Date.parse(a.bucket ?? a.detected_at), intervalMs) / 1000,
        }))
        .sort((a, b) => a.time - b.time || Number(a.id) - Number(b.id));
    };
    const pageMarkers = (page: Page) =>
      page.evaluate(
        () =>
          (globalThis as unknown as PageWindow).mdpDashboard
            ?.markers()
            .map(({ id, text, time }) => ({ id, text, time })) ?? [],
      );
    const anomaliesLoaded = (page: Page, loads: number) =>
      page.waitForFunction(
        (n) => ((globalThis as unknown as PageWindow).mdpDashboard?.anomalyLoads ?? 0) >= n,
        loads,
      );

    // Calm trades for ten minutes, then one 10 % above the previous: a price_spike, recorded
    // before the page loads.
    const thisMinute = bucketStart(Date.now(), MINUTE);
    await store([
      ...Array.from({ length: 8 }, (_, i) => ({
        symbol: 'DASHK',
        price: '40',
        ts: thisMinute - (10 - i) * MINUTE,
      })),
      { symbol: 'DASHK', price: '44', ts: thisMinute - 2 * MINUTE },
    ]);
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    const watch = watchPage(page);
    await page.goto(`${api.url}/dashboard#symbol=DASHK&interval=1m`);
    await loaded(page, 1, 'DASHK', '1m');
    await anomaliesLoaded(page, 1);
    await page.waitForSelector('#connection[data-state="live"]');
    const range = (await probe(page)).range;
    const recorded = await servedMarkers(range?.start ?? '', MINUTE);
    expect(recorded.map((m) => m.text)).toContain('price_spike');
    expect(await pageMarkers(page)).toEqual(recorded);

    // Live: a trade 10 % above the previous one, through Pub/Sub and persist, marks its bucket.
    await (skipWithoutEmulator ? store : publish)([
      { symbol: 'DASHK', price: '48.4', ts: Date.now() },
    ]);
    await page.waitForFunction(
      (n) => ((globalThis as unknown as PageWindow).mdpDashboard?.markers().length ?? 0) > n,
      recorded.length,
      { timeout: 10_000 },
    );
    const withLive = await servedMarkers(range?.start ?? '', MINUTE);
    expect(withLive.length).toBeGreaterThan(recorded.length);
    const live = withLive.filter((m) => !recorded.some((r) => r.id === m.id));
    expect(live.map((m) => m.text)).toContain('price_spike');
    await page.waitForFunction(
      (n) => (globalThis as unknown as PageWindow).mdpDashboard?.markers().length === n,
      withLive.length,
    );
    expect(await pageMarkers(page)).toEqual(withLive);
    // The legend over a marked bucket names the kind, observed against threshold.
    const liveMarker = live.find((m) => m.text === 'price_spike');
    const x = await page.evaluate(
      (time) =>
        (globalThis as unknown as PageWindow).mdpDashboard?.timeScale().timeToCoordinate(time),
      liveMarker?.time ?? 0,
    );
    const box = await page.locator('#chart').boundingBox();
    if (box === null || x === null || x === undefined)
      throw new Error('the marked bucket is off the chart');
    await page.mouse.move(box.x + x, box.y + box.height / 2);
    await expect(page.textContent('#legend')).resolves.toMatch(
      /^DASHK 1m .* · .*price_spike [\d.]+ percent \(threshold [\d.]+\)/,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-markers.png') });

    // Another interval: the same anomalies, in its buckets.
    await page.selectOption('#interval', '5m');
    await loaded(page, 2, 'DASHK', '5m');
    await anomaliesLoaded(page, 2);
    const fiveMinute = await servedMarkers((await probe(page)).range?.start ?? '', 5 * MINUTE);
    expect(fiveMinute.length).toBe(withLive.length);
    expect(await pageMarkers(page)).toEqual(fiveMinute);

    // A reload shows what was recorded, the live one included, from /anomalies.
    await page.selectOption('#interval', '1m');
    await loaded(page, 3, 'DASHK', '1m');
    // Every request of the view answered first (a reload would abort one still on its way).
    await anomaliesLoaded(page, 3);
    await historyDone(page);
    await page.reload();
    await loaded(page, 1, 'DASHK', '1m');
    await anomaliesLoaded(page, 1);
    expect(await pageMarkers(page)).toEqual(
      await servedMarkers((await probe(page)).range?.start ?? '', MINUTE),
    );
    expect(await pageMarkers(page)).toEqual(withLive);
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it('shows the /indicators values of the indicators on, with their parameters, in the URL too', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const watch = watchPage(page);
    await page.goto(
      `${api.url}/dashboard#symbol=DASHA&interval=1m&indicators=bbands:10:2.5,rsi:14,macd:5:13:4`,
    );
    await loaded(page, 1, 'DASHA', '1m');
    const indicatorsLoaded = (n: number) =>
      page.waitForFunction(
        (count) =>
          ((globalThis as unknown as PageWindow).mdpDashboard?.indicatorLoads ?? 0) >= count,
        n,
      );
    await indicatorsLoaded(1);
    const { range } = await probe(page);
    /** /indicators for the page's range with these parameters, line by line, as chart points. */
    const served = async (type: string, params: Record<string, string>, lines: string[]) => {
      const query = new URLSearchParams({
        symbol: 'DASHA',
        interval: '1m',
        type,
        ...params,
        start: range?.start ?? '',
        limit: '5000',
      });
      const body = (await (await fetch(`${api.url}/indicators?${query.toString()}`)).json()) as {
        values: { timestamp: string; value: string | Record<string, string> }[];
      };
      expect(body.values.length).toBeGreaterThan(10);
      return Object.fromEntries(
        lines.map((line) => [
          line,
          body.values.map(({ timestamp, value }) => ({
            time: Date.parse(timestamp) / 1000,
            value: Number(typeof value === 'string' ? value : value[line]),
          })),
        ]),
      );
    };
    const shown = () =>
      page.evaluate(() => (globalThis as unknown as PageWindow).mdpDashboard?.indicators() ?? {});
    const bbands = await served('bbands', { window: '10', k: '2.5' }, ['upper', 'middle', 'lower']);
    const macd = await served('macd', { short: '5', long: '13', signal: '4' }, [
      'histogram',
      'macd',
      'signal',
    ]);
    // Not another set's values: the parameters reached /indicators.
    expect(macd).not.toEqual(
      await served('macd', { short: '4', long: '13', signal: '4' }, [
        'histogram',
        'macd',
        'signal',
      ]),
    );
    expect(await shown()).toEqual({
      bbands,
      rsi: await served('rsi', { window: '14' }, ['value']),
      macd,
    });
    expect(await page.inputValue('#indicator-macd-short')).toBe('5');
    expect(await page.inputValue('#indicator-bbands-k')).toBe('2.5');

    // SMA on by keyboard (its checkbox, Space), then RSI's window typed in: each in the URL.
    await page.focus('#indicator-sma');
    await page.keyboard.press('Space');
    await indicatorsLoaded(2);
    expect((await shown())['sma']).toEqual(await served('sma', { window: '20' }, ['value']));
    await page.focus('#indicator-rsi-window');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('7');
    await page.keyboard.press('Tab');
    await indicatorsLoaded(3);
    expect((await shown())['rsi']).toEqual(await served('rsi', { window: '7' }, ['value']));
    const view = 'indicators=sma:20,bbands:10:2.5,rsi:7,macd:5:13:4';
    expect(page.url()).toContain(view);

    // MACD fast not shorter than slow: marked, said, and nothing asked of /indicators.
    const asked = watch.requests.length;
    await page.focus('#indicator-macd-short');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('20');
    await page.keyboard.press('Tab');
    await page.waitForSelector('#indicator-macd-short[aria-invalid="true"]');
    await expect(page.textContent('#indicator-problem')).resolves.toContain('fast');
    await page.waitForTimeout(300);
    expect(watch.requests.slice(asked)).toEqual([]);
    expect(page.url()).toContain(view);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-indicator-problem.png') });

    // The address reloads the same view, parameters and all.
    await historyDone(page);
    await page.reload();
    await loaded(page, 1, 'DASHA', '1m');
    await indicatorsLoaded(1);
    expect(await page.inputValue('#indicator-macd-short')).toBe('5');
    expect(await page.inputValue('#indicator-rsi-window')).toBe('7');
    expect(Object.keys(await shown()).sort()).toEqual(['bbands', 'macd', 'rsi', 'sma']);
    expect((await shown())['rsi']).toEqual(await served('rsi', { window: '7' }, ['value']));
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-indicators.png'), fullPage: true });
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it('loads older candles page by page when scrolled left, the view staying put', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    const watch = watchPage(page);
    await page.goto(`${api.url}/dashboard#symbol=DASHH&interval=1m&indicators=sma:20`);
    await loaded(page, 1, 'DASHH', '1m');
    /** Waits until `pages` older pages came in and none is being fetched. */
    const olderPages = (pages: number) =>
      page.waitForFunction((n) => {
        const p = (globalThis as unknown as PageWindow).mdpDashboard;
        return p !== undefined && p.olderPages >= n && !p.olderLoading;
      }, pages);
    /**
     * What the view shows: its logical range, and the first and last bucket inside it. With
     * `scroll`, first scrolled (as a drag would) until its left edge is 5 bars past the first
     * candle, and read right then, before an older page can come in.
     */
    const view = (scroll: boolean) =>
      page.evaluate(async (scrollFirst) => {
        const p = (globalThis as unknown as PageWindow).mdpDashboard;
        const timeScale = p?.timeScale();
        // The chart applies a new range on its next animation frame.
        const frame = () =>
          new Promise((resolve) => {
            (globalThis as unknown as PageWindow).requestAnimationFrame(resolve);
          });
        if (!scrollFirst) await frame();
        const before = timeScale?.getVisibleLogicalRange();
        if (p === undefined || timeScale === undefined || before == null)
          throw new Error('no visible range');
        if (scrollFirst)
          timeScale.scrollToPosition(timeScale.scrollPosition() - (before.from - 5), false);
        await frame();
        const logical = timeScale.getVisibleLogicalRange() ?? { from: NaN, to: NaN };
        const bars = p.bars();
        return {
          logical: { from: logical.from, to: logical.to },
          buckets: [
            bars[Math.max(0, Math.ceil(logical.from))]?.time,
            bars[Math.min(bars.length - 1, Math.floor(logical.to))]?.time,
          ],
          bars: bars.length,
        };
      }, scroll);

    // The first view: a day of buckets, its newest on screen, nothing older asked for yet.
    const opened = await view(false);
    // (1,439 candles, the last minute having none; 1,438 if a minute turned since they were stored.)
    expect(opened.bars).toBeGreaterThanOrEqual(1_438);
    expect(opened.logical.from).toBeGreaterThan(1_000);
    expect(
      await page.evaluate(() => (globalThis as unknown as PageWindow).mdpDashboard?.olderPages),
    ).toBe(0);

    // Scrolled to the first candle: the page of 500 before it comes in, then the rest (~160), and
    // each time the view stays on the same buckets, its logical range moved by the bars that came.
    for (const [pages, total] of [
      [1, opened.bars + 500],
      [2, HISTORY_MINUTES],
    ] as const) {
      const scrolled = await view(true);
      await olderPages(pages);
      const after = await view(false);
      expect(after.bars).toBe(total);
      const added = after.bars - scrolled.bars;
      expect(added).toBeGreaterThan(90);
      expect(after.buckets).toEqual(scrolled.buckets);
      expect(after.logical.from).toBeCloseTo(scrolled.logical.from + added, 6);
      expect(after.logical.to).toBeCloseTo(scrolled.logical.to + added, 6);
    }

    // Once more: an empty page, and no more history is asked for.
    const last = await view(true);
    await page.waitForFunction(
      () => (globalThis as unknown as PageWindow).mdpDashboard?.historyComplete === true,
    );
    expect(await view(false)).toEqual(last);

    const bars = await chartBars(page);
    const times = bars.map((bar) => bar.time);
    expect(new Set(times).size).toBe(times.length);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const { range } = await probe(page);
    expect(bars).toEqual(await servedBars(api.url, 'DASHH', '1m', range));
    // The SMA over all of it too, its older values come in with each page.
    const query = new URLSearchParams({
      symbol: 'DASHH',
      interval: '1m',
      type: 'sma',
      window: '20',
      start: range?.start ?? '',
      end: range?.end ?? '',
      limit: '5000',
    });
    const sma = (await (await fetch(`${api.url}/indicators?${query.toString()}`)).json()) as {
      values: { timestamp: string; value: string }[];
    };
    expect(sma.values.length).toBeGreaterThan(HISTORY_MINUTES - 20);
    const shownSma = await page.evaluate(
      () => (globalThis as unknown as PageWindow).mdpDashboard?.indicators()['sma']?.['value'],
    );
    expect(shownSma).toEqual(
      sma.values.map(({ timestamp, value }) => ({
        time: Date.parse(timestamp) / 1000,
        value: Number(value),
      })),
    );
    const candleCalls = watch.requests.filter(
      (request) => new URL(request.url).pathname === '/candles',
    );
    expect(candleCalls).toHaveLength(4);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-history.png') });
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it('draws a day of 1m candles at first render (figures printed)', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    const watch = watchPage(page);
    /** Navigation start → the frame that drew the view's candles, and what took the time. */
    const firstRender = async () => {
      await page.waitForFunction(
        () =>
          (globalThis as unknown as PageWindow).performance.getEntriesByName('mdp:candles-drawn')
            .length > 0,
      );
      return page.evaluate(() => {
        const { performance } = globalThis as unknown as PageWindow;
        const [drawn] = performance.getEntriesByName('mdp:candles-drawn');
        const timing = (path: string) =>
          performance
            .getEntriesByType('resource')
            .find((entry) => new URL(entry.name).pathname === path);
        const candles = timing('/candles');
        const symbols = timing('/symbols');
        const script = performance
          .getEntriesByType('resource')
          .find((entry) => new URL(entry.name).pathname.endsWith('.js'));
        return {
          scriptLoadedMs: script?.responseEnd ?? NaN,
          drawnMs: drawn?.startTime ?? NaN,
          bars: (drawn?.detail as { bars: number } | undefined)?.bars ?? 0,
          symbolsAskedMs: symbols?.startTime ?? NaN,
          candlesMs: candles === undefined ? NaN : candles.responseEnd - candles.startTime,
          candlesAnsweredMs: candles?.responseEnd ?? NaN,
        };
      });
    };
    for (const run of ['cold', 'reload'] as const) {
      if (run === 'cold') await page.goto(`${api.url}/dashboard#symbol=DASHD&interval=1m`);
      else await page.reload();
      const figure = await firstRender();
      // (1,440 buckets; 1,439 if a minute turned since the day was stored.)
      expect(figure.bars).toBeGreaterThanOrEqual(1_439);
      process.stdout.write(
        `dashboard: first render (${run}) of ${figure.bars} 1m candles: ${Math.round(figure.drawnMs)} ms ` +
          `from navigation (script loaded at ${Math.round(figure.scriptLoadedMs)} ms, asked /symbols at ` +
          `${Math.round(figure.symbolsAskedMs)} ms; /candles took ${Math.round(figure.candlesMs)} ms, answered at ` +
          `${Math.round(figure.candlesAnsweredMs)} ms; drawn ${Math.round(figure.drawnMs - figure.candlesAnsweredMs)} ms after)\n`,
      );
    }
    await loaded(page, 1, 'DASHD', '1m');
    const { range } = await probe(page);
    expect(await chartBars(page)).toEqual(await servedBars(api.url, 'DASHD', '1m', range));
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-day.png') });
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it.skipIf(skipWithoutEmulator)(
    'keeps the ingestion badge current: no data, fresh after a trade, stale after a quiet while',
    async () => {
      const page = await browser.newPage();
      const watch = watchPage(page);
      await page.goto(`${api.url}/dashboard#symbol=DASHN&interval=1m`);
      await loaded(page, 1, 'DASHN', '1m');
      await page.waitForSelector('#connection[data-state="live"]');
      await page.waitForSelector('#freshness[data-status="no_data"]');
      await expect(page.textContent('#freshness')).resolves.toBe('no data');
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-no-data.png') });

      const publishedAt = performance.now();
      await publish([{ symbol: 'DASHN', price: '5.5', ts: Date.now() }]);
      await page.waitForSelector('#freshness[data-status="ok"]', { timeout: 5_000 });
      await expect(page.textContent('#freshness')).resolves.toBe('fresh');
      const freshAfter = performance.now() - publishedAt;
      // No trade since: stale once 3 intervals passed, the page asking again only then.
      await page.waitForSelector('#freshness[data-status="stale"]', { timeout: 8_000 });
      const staleAfter = performance.now() - publishedAt;
      process.stdout.write(
        `dashboard: badge fresh ${Math.round(freshAfter)} ms after a trade, stale ${Math.round(staleAfter)} ms after it (stale after ${3 * INGESTION_INTERVAL_SECONDS} s)\n`,
      );
      expect(staleAfter).toBeGreaterThan(3_000 * INGESTION_INTERVAL_SECONDS);
      const asked = watch.requests.filter(
        (request) => new URL(request.url).pathname === '/status/ingestion',
      );
      // Once at load, once after the trade, once when it would turn stale: no polling.
      expect(asked.length).toBeGreaterThanOrEqual(3);
      expect(asked.length).toBeLessThanOrEqual(4);
      expect(watch.problems).toEqual([]);
      await page.close();
    },
  );

  it.skipIf(skipWithoutEmulator)(
    'keeps up with 100 trades/s published for its symbol (figures printed)',
    async () => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
      const watch = watchPage(page);
      await page.goto(`${api.url}/dashboard#symbol=DASHL&interval=1m`);
      await loaded(page, 1, 'DASHL', '1m');
      await page.waitForSelector('#connection[data-state="live"]');
      /** Counts frames and long tasks in the page from now until stopped. */
      const meter = () =>
        page.evaluate(() => {
          const w = globalThis as unknown as PageWindow;
          const counts = { frames: 0, longTasks: 0, longTaskMs: 0, running: true };
          const tick = () => {
            if (!counts.running) return;
            counts.frames += 1;
            w.requestAnimationFrame(tick);
          };
          w.requestAnimationFrame(tick);
          const observer = new w.PerformanceObserver((list) => {
            for (const entry of list.getEntries()) {
              counts.longTasks += 1;
              counts.longTaskMs += entry.duration;
            }
          });
          observer.observe({ type: 'longtask' });
          w.frameMeter = {
            get frames() {
              return counts.frames;
            },
            get longTasks() {
              return counts.longTasks;
            },
            get longTaskMs() {
              return counts.longTaskMs;
            },
            stop() {
              counts.running = false;
              observer.disconnect();
            },
          };
        });
      const readMeter = () =>
        page.evaluate(() => {
          const w = globalThis as unknown as PageWindow;
          w.frameMeter?.stop();
          const { frames = 0, longTasks = 0, longTaskMs = 0 } = w.frameMeter ?? {};
          const live = w.mdpDashboard?.live;
          return {
            frames,
            longTasks,
            longTaskMs,
            live: live === undefined ? undefined : { ...live, tradeLagMs: [...live.tradeLagMs] },
          };
        });

      // What the page draws idle, for comparison: frames in a second with no trade.
      await meter();
      let started = performance.now();
      await page.waitForTimeout(1_000);
      const idle = await readMeter();
      const idleFps = idle.frames / ((performance.now() - started) / 1000);

      const SECONDS = 10;
      const PER_SECOND = 100;
      /** Ten messages of ten trades a second, each trade stamped when it is published. */
      const BATCH = 10;
      await meter();
      started = performance.now();
      const sends: Promise<void>[] = [];
      let price = 10;
      for (let i = 0; i < (SECONDS * PER_SECOND) / BATCH; i++) {
        const due = started + (i * 1000 * BATCH) / PER_SECOND;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        const now = Date.now();
        sends.push(
          publish(
            Array.from({ length: BATCH }, (_, j) => {
              price = Math.max(1, price + (((i * BATCH + j) * 7919) % 11) / 100 - 0.05);
              return { symbol: 'DASHL', price: price.toFixed(2), ts: now, volume: '1' };
            }),
          ),
        );
      }
      await Promise.all(sends);
      const publishedIn = performance.now() - started;
      await page.waitForFunction(
        (n) => ((globalThis as unknown as PageWindow).mdpDashboard?.live.tradeEvents ?? 0) >= n,
        (idle.live?.tradeEvents ?? 0) + SECONDS * PER_SECOND,
        { timeout: 15_000 },
      );
      const busy = await readMeter();
      const busySeconds = (performance.now() - started) / 1000;
      const live = busy.live;
      if (live === undefined || idle.live === undefined) throw new Error('no live stats');
      const trades = live.tradeEvents - idle.live.tradeEvents;
      const lags = live.tradeLagMs.slice(-trades);
      process.stdout.write(
        `dashboard: ${PER_SECOND} trades/s for ${SECONDS} s (published in ${(publishedIn / 1000).toFixed(1)} s): ` +
          `${trades} trade events received, all shown; ${live.candleEvents - idle.live.candleEvents} candle events → ` +
          `${live.candlesDrawn - idle.live.candlesDrawn} candle draws in ${live.framesDrawn - idle.live.framesDrawn} frames; ` +
          `${(busy.frames / busySeconds).toFixed(1)} fps (idle ${idleFps.toFixed(1)}), ` +
          `${busy.longTasks} long tasks (${Math.round(busy.longTaskMs)} ms); trade → on screen ` +
          `median ${Math.round(percentile(lags, 50) ?? NaN)} ms, p95 ${Math.round(percentile(lags, 95) ?? NaN)} ms, ` +
          `max ${Math.round(Math.max(...lags))} ms\n`,
      );
      // Nothing lost on the way: every trade came, and the chart holds what /candles holds.
      expect(trades).toBe(SECONDS * PER_SECOND);
      expect(lags).toHaveLength(trades);
      await expect
        .poll(async () => {
          const shown = await chartBars(page);
          // The view's range went on with the stream: up to now.
          const served = await servedBars(api.url, 'DASHL', '1m', {
            start: (await probe(page)).range?.start ?? '',
            end: new Date().toISOString(),
          });
          return isDeepStrictEqual(shown, served);
        })
        .toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-100-trades-per-s.png') });
      expect(watch.problems).toEqual([]);
      await page.close();
    },
  );

  it('shows that it is reconnecting while the api is away, and catches up after', async () => {
    const port = await getPort();
    let own = await startFunction({
      name: 'api',
      port,
      env: { ...process.env, ...env, DATABASE_URL: db.url },
      onLine: () => undefined,
    });
    const page = await browser.newPage();
    try {
      await page.goto(`${own.url}/dashboard#symbol=DASHA&interval=1m`);
      await loaded(page, 1, 'DASHA', '1m');
      await page.waitForSelector('#connection[data-state="live"]');
      await own.stop();
      await page.waitForSelector('#connection[data-state="reconnecting"]', { timeout: 10_000 });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-reconnecting.png') });
      // Stored while the page had no connection: there after it reconnects.
      await store([{ symbol: 'DASHA', price: '123.5', ts: Date.now() }]);
      own = await startFunction({
        name: 'api',
        port,
        env: { ...process.env, ...env, DATABASE_URL: db.url },
        onLine: () => undefined,
      });
      await page.waitForSelector('#connection[data-state="live"]', { timeout: 15_000 });
      await page.waitForFunction(
        () => (globalThis as unknown as PageWindow).mdpDashboard?.bars().at(-1)?.close === 123.5,
      );
    } finally {
      await page.close();
      await own.stop();
    }
  });

  it('with REQUIRE_API_KEY=true asks for a read key once and never puts it in a URL', async () => {
    const { key } = await createApiKey(db.sql, { role: 'read', name: 'dashboard-test' });
    const guarded = await apiProcess({ REQUIRE_API_KEY: 'true' });
    const page = await browser.newPage();
    try {
      const watch = watchPage(page);
      await page.goto(`${guarded.url}/dashboard#symbol=DASHA&interval=1m`);
      await page.waitForSelector('#api-key');
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-key-prompt.png') });
      await page.fill('#api-key', key);
      await page.keyboard.press('Enter');
      await loaded(page, 1, 'DASHA', '1m');
      await page.waitForSelector('#connection[data-state="live"]');
      // Every request of the view answered (a reload would abort one still on its way).
      await historyDone(page);
      await page.reload();
      await loaded(page, 1, 'DASHA', '1m');
      expect(await page.$('#api-key')).toBeNull();
      expect(
        await page.evaluate(() =>
          Object.values((globalThis as unknown as PageWindow).sessionStorage),
        ),
      ).toEqual([key]);
      expect(
        await page.evaluate(() => (globalThis as unknown as PageWindow).localStorage.length),
      ).toBe(0);

      expect(watch.requests.filter((request) => request.url.includes(key))).toEqual([]);
      const apiCalls = watch.requests.filter((request) =>
        ['/candles', '/stream', '/status/ingestion'].includes(new URL(request.url).pathname),
      );
      expect(apiCalls.length).toBeGreaterThanOrEqual(6);
      expect(apiCalls.every((request) => request.apiKey === key)).toBe(true);
      // Only the first /symbols, before the key was given, was refused.
      expect(watch.problems.filter((problem) => !problem.includes('401'))).toEqual([]);
    } finally {
      await page.close();
      await guarded.stop();
    }
  });
});
