/**
 * GET /dashboard in a real browser (Debian's headless Chromium through playwright-core) against the
 * api as deployed (its own Functions Framework process) over a real PostgreSQL, trades stored by
 * the persist function from the Pub/Sub push it receives: the page shows exactly what /candles
 * answers, switches symbol and interval, moves within 2 s of a stored trade, redraws a revised
 * candle, and asks for a key (kept out of every URL) when the api requires one.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import getPort from 'get-port';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunction, type FunctionProcess } from '../../infra/local-stack/function-process.js';
import { createApiKey } from '../../shared/auth/api-key-store.js';
import { bucketStart } from '../../shared/market/candle-intervals.js';
import { launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { serveFunctions, type ServedFunctions } from '../support/functions-under-test.js';
import { watchPage } from '../support/page-watch.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const MINUTE = 60_000;
/** Minutes of DASHH's history: more than two pages of 500 one-minute candles. */
const HISTORY_MINUTES = 1_100;

interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
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
  timeScale(): {
    scrollPosition(): number;
    scrollToPosition(position: number, animated: boolean): void;
    getVisibleLogicalRange(): { from: number; to: number } | null;
  };
}
/** The page's globals the test reads (the root tsconfig has Node's types, not the DOM's). */
interface PageWindow {
  mdpDashboard?: Probe;
  sessionStorage: Record<string, string>;
  localStorage: { length: number };
  requestAnimationFrame(callback: (time: number) => void): number;
}

describe.skipIf(skipWithoutChromium)('GET /dashboard in a browser', () => {
  let db: TestDatabase;
  let persist: ServedFunctions;
  let api: FunctionProcess;
  let browser: Browser;
  let counter = 0;
  const env = { LOG_LEVEL: 'error' };

  const apiProcess = async (extra: Record<string, string> = {}) =>
    startFunction({
      name: 'api',
      port: await getPort(),
      env: { ...process.env, ...env, DATABASE_URL: db.url, ...extra },
      onLine: () => undefined,
    });

  /** Stores trades as Pub/Sub would deliver them: a push to the persist function. */
  const store = async (
    trades: { symbol: string; price: string; ts: number; volume?: string }[],
  ) => {
    const message = {
      v: 1,
      source: 'synthetic',
      trades: trades.map(({ symbol, price, ts, volume = '10' }) => ({
        trade_id: `${symbol}-dash-${++counter}`,
        symbol,
        price,
        volume,
        ts: new Date(ts).toISOString(),
      })),
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
    await db.sql`insert into symbols (symbol, name) values ('DASHA', 'Dash Alpha'), ('DASHB', 'Dash Beta'), ('DASHH', 'Dash History')`;
    persist = await serveFunctions({ ...env, DATABASE_URL: db.url }, ['persist']);
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
    for (let i = 0; i < long.length; i += 250) await store(long.slice(i, i + 250));
    [api, browser] = await Promise.all([apiProcess(), launchChromium()]);
  });
  afterAll(async () => {
    await browser.close();
    await api.stop();
    await persist.close();
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

    await page.selectOption('#interval', '5m');
    await loaded(page, 3, 'DASHB', '5m');
    expect(page.url()).toContain('interval=5m');
    expect(await chartBars(page)).toEqual(
      await servedBars(api.url, 'DASHB', '5m', (await probe(page)).range),
    );

    // Back to 1m, live: a trade in this minute opens a new bucket within 2 s.
    await page.selectOption('#interval', '1m');
    await loaded(page, 4, 'DASHB', '1m');
    await page.waitForSelector('#connection[data-state="live"]');
    const before = (await chartBars(page)).length;
    const storedAt = performance.now();
    await store([{ symbol: 'DASHB', price: '77.25', ts: Date.now() }]);
    await page.waitForFunction(
      () => (globalThis as unknown as PageWindow).mdpDashboard?.bars().at(-1)?.close === 77.25,
      undefined,
      {
        timeout: 2_000,
      },
    );
    process.stdout.write(
      `dashboard: a stored trade shown after ${Math.round(performance.now() - storedAt)} ms\n`,
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

  it('shows the /indicators values of the indicators toggled on, in the URL too', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const watch = watchPage(page);
    await page.goto(`${api.url}/dashboard#symbol=DASHA&interval=1m&indicators=bbands:10,rsi:14`);
    await loaded(page, 1, 'DASHA', '1m');
    const indicatorsLoaded = (n: number) =>
      page.waitForFunction(
        (count) =>
          ((globalThis as unknown as PageWindow).mdpDashboard?.indicatorLoads ?? 0) >= count,
        n,
      );
    await indicatorsLoaded(1);
    const { range } = await probe(page);
    /** /indicators for the page's range, line by line, as the chart's points. */
    const served = async (type: string, window: number, lines: string[]) => {
      const query = new URLSearchParams({
        symbol: 'DASHA',
        interval: '1m',
        type,
        window: String(window),
        start: range?.start ?? '',
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
    expect(await shown()).toEqual({
      bbands: await served('bbands', 10, ['upper', 'middle', 'lower']),
      rsi: await served('rsi', 14, ['value']),
    });

    // SMA on by keyboard: its checkbox, Space.
    await page.focus('#indicator-sma');
    await page.keyboard.press('Space');
    await indicatorsLoaded(2);
    expect((await shown())['sma']).toEqual(await served('sma', 20, ['value']));
    expect(decodeURIComponent(page.url())).toContain('indicators=sma:20,bbands:10,rsi:14');
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

    // The first view shows its first candle: the page before it comes in at once.
    await olderPages(1);
    // (999 candles, 998 if a minute turned since they were stored.)
    expect((await view(false)).bars).toBeGreaterThan(900);

    // Scrolled to the first candle: the third page (the last ~100 candles) comes in, and the view
    // stays on the same buckets, its logical range moved by as many bars as came in.
    const scrolled = await view(true);
    await olderPages(2);
    const after = await view(false);
    expect(after.bars).toBe(HISTORY_MINUTES);
    const added = after.bars - scrolled.bars;
    expect(added).toBeGreaterThan(90);
    expect(after.buckets).toEqual(scrolled.buckets);
    expect(after.logical.from).toBeCloseTo(scrolled.logical.from + added, 6);
    expect(after.logical.to).toBeCloseTo(scrolled.logical.to + added, 6);

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
