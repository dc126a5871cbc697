import { setTimeout as sleep } from 'node:timers/promises';
import { binanceTradeIdPrefix } from '../../shared/sources/binance-trade-id.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { TradePublisher } from '../../shared/messaging/trade-publisher.js';
import type { ReplayArgs } from './replay-args.js';
import { readTape, TapeError } from './read-tape.js';
import type { TapeLayoutName, TapeTrade } from './tape-layouts.js';

/** What a replay did, printed at its end. */
export interface ReplaySummary {
  file: string;
  layout: TapeLayoutName | null;
  symbol: string;
  trades_published: number;
  messages_published: number;
  /** Lines refused (with --skip-bad-lines; otherwise the run stops at the first). */
  bad_lines: number;
  /** Trades outside --from/--to. */
  out_of_range: number;
  first_ts: string | null;
  last_ts: string | null;
  /** The span of the tape replayed, and how long publishing it took. */
  tape_seconds: number;
  wall_seconds: number;
  speed: number | 'max';
}

export interface ReplayDeps {
  publisher: TradePublisher;
  batchSize: number;
  logger: Logger;
  /** Told after each published batch: trades published so far, and how many there are. */
  onProgress?: (published: number, total: number) => void;
}

/** Messages in flight at once: enough to keep Pub/Sub busy, few enough to stop soon on failure. */
const IN_FLIGHT = 16;
/** Bad lines logged one by one before the rest are only counted. */
const BAD_LINES_LOGGED = 20;

/**
 * The trade id of a tape's trade: the symbol, the tape's kind and the exchange's own id, so a
 * second replay of the same tape, or an overlapping one, stores nothing twice.
 *
 * @example tapeTradeId('BTC', 'binance-aggtrades', '26129') // 'BTC:binance-aggtrades:26129'
 */
export function tapeTradeId(symbol: string, layout: TapeLayoutName, id: string): string {
  return `${symbol}:${layout}:${id}`;
}

/**
 * Publishes a tape's trades through Pub/Sub as trades.v1 (source `replay`), in tape order, paced
 * by `speed`. The tape is read twice: once to check every line and count the trades (a bad line
 * stops the run there, before anything is published, unless bad lines are skipped), then to publish.
 *
 * @throws TapeError for an unreadable tape or, without --skip-bad-lines, its first bad line.
 */
export async function replayTape(args: ReplayArgs, deps: ReplayDeps): Promise<ReplaySummary> {
  const { publisher, batchSize, logger, onProgress } = deps;
  const inRange = (trade: TapeTrade) =>
    (args.fromMs === undefined || trade.timeMs >= args.fromMs) &&
    (args.toMs === undefined || trade.timeMs < args.toMs);

  // Set by readTape's callback, which the compiler cannot follow: a holder, not a let.
  const seen: { layout: TapeLayoutName | null } = { layout: null };
  let total = 0;
  let badLines = 0;
  let outOfRange = 0;
  for await (const entry of readTape(args.file, args.layout, (name) => {
    seen.layout = name;
  })) {
    if ('problem' in entry) {
      badLines++;
      const message = `${args.file}: line ${entry.line}: ${entry.problem}`;
      if (!args.skipBadLines)
        throw new TapeError(
          `${message}; nothing was published (--skip-bad-lines skips such lines)`,
        );
      if (badLines <= BAD_LINES_LOGGED) logger.warn({ line: entry.line }, `skipping ${message}`);
    } else if (inRange(entry.trade)) total++;
    else outOfRange++;
  }
  const layout = seen.layout;
  const kind: TapeLayoutName = layout ?? 'csv';
  const { binancePair } = args;
  if (binancePair !== undefined && kind !== 'binance-aggtrades')
    throw new TapeError(
      `${args.file}: --binance-pair needs a Binance aggTrades tape, and this one reads as ${kind}; nothing was published`,
    );
  const tradeIdOf = (trade: TapeTrade) =>
    binancePair === undefined
      ? tapeTradeId(args.symbol, kind, trade.id)
      : `${binanceTradeIdPrefix(args.symbol, binancePair)}${trade.id}`;
  // A trade is stored by (trade_id, ts): with the live adapter's id it also takes the live adapter's
  // time, whole milliseconds (aggTrades' T), though the tape may write microseconds.
  const tsOf = (trade: TapeTrade) =>
    binancePair === undefined ? trade.ts : new Date(trade.timeMs).toISOString();

  let published = 0;
  let messages = 0;
  let batch: TapeTrade[] = [];
  let firstTrade: TapeTrade | undefined;
  let lastTrade: TapeTrade | undefined;
  let wallStart = 0;
  const inFlight: Promise<unknown>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const trades = batch.map((trade) => ({
      trade_id: tradeIdOf(trade),
      symbol: args.symbol,
      price: trade.price,
      volume: trade.quantity,
      ts: tsOf(trade),
    }));
    batch = [];
    const sent = publisher.publish({ v: 1, source: 'replay', trades }, args.symbol);
    // Awaited below (or at the end); until then a failure must not count as unhandled.
    sent.catch(() => undefined);
    inFlight.push(sent);
    messages++;
    published += trades.length;
    if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
    onProgress?.(published, total);
  };

  for await (const entry of readTape(args.file, args.layout)) {
    if ('problem' in entry || !inRange(entry.trade)) continue;
    const trade = entry.trade;
    if (firstTrade === undefined) {
      firstTrade = trade;
      wallStart = performance.now();
    }
    if (args.speed !== undefined) {
      // Tape time runs `speed` times faster than the wall clock from the first trade on.
      const dueMs = wallStart + (trade.timeMs - firstTrade.timeMs) / args.speed;
      const waitMs = dueMs - performance.now();
      if (waitMs > 0) {
        await flush();
        await sleep(waitMs);
      }
    }
    batch.push(trade);
    lastTrade = trade;
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await Promise.all(inFlight);
  const wallMs = firstTrade === undefined ? 0 : performance.now() - wallStart;
  return {
    file: args.file,
    layout,
    symbol: args.symbol,
    trades_published: published,
    messages_published: messages,
    bad_lines: badLines,
    out_of_range: outOfRange,
    first_ts: firstTrade?.ts ?? null,
    last_ts: lastTrade?.ts ?? null,
    tape_seconds:
      firstTrade === undefined || lastTrade === undefined
        ? 0
        : (lastTrade.timeMs - firstTrade.timeMs) / 1000,
    wall_seconds: Math.round(wallMs) / 1000,
    speed: args.speed ?? 'max',
  };
}
