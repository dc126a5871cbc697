import type { Logger } from '../../../../shared/logging/logger.js';
import { activePause, pauseSource } from '../../../../shared/sources/source-pauses.queries.js';
import { lastTradeWithIdPrefix } from '../../../../shared/trades/last-trade.queries.js';
import type {
  PullRequest,
  SourceDeps,
  SourceSymbol,
  SourceTrade,
  SymbolPull,
  TradeSource,
} from '../trade-source.js';
import {
  aggregateIdOf,
  binanceTradeIdPrefix,
  toSourceTrade,
  type AggTrade,
} from './binance-agg-trades.js';
import { requestAggTrades, type BinanceRequestOptions } from './binance-request.js';

/**
 * The provider asked the whole IP to wait: the symbol being fetched keeps the trades it already
 * has, and no symbol after it is asked this run.
 */
class SourcePaused extends Error {
  constructor(
    readonly reason: string,
    readonly trades: SourceTrade[],
  ) {
    super(reason);
  }
}

/**
 * Binance spot, trade by trade: `GET /api/v3/aggTrades`, continuing by `fromId` from the newest
 * stored trade of each symbol. Symbols are fetched one after the other, so the request weight
 * Binance reports is read before the next request.
 */
export function createBinanceSource({ sql, config, logger }: SourceDeps): TradeSource {
  const log = logger.child({ source: 'binance' });
  const baseOptions: BinanceRequestOptions = {
    baseUrl: config.BINANCE_BASE_URL,
    timeoutMs: config.SOURCE_HTTP_TIMEOUT_MS,
    maxRetries: config.SOURCE_MAX_RETRIES,
    retryBaseMs: config.SOURCE_RETRY_BASE_MS,
  };

  return {
    name: 'binance',
    async pull(symbols, request) {
      const pulls: SymbolPull[] = [];
      const pause = await activePause(sql, 'binance', request.nowMs);
      for (const target of symbols) {
        if (pause !== undefined) {
          pulls.push(
            deferred(target, `paused until ${pause.until.toISOString()}: ${pause.reason}`),
          );
          continue;
        }
        try {
          pulls.push(await pullSymbol(target, request, log.child({ symbol: target.symbol })));
        } catch (error) {
          if (!(error instanceof SourcePaused)) throw error;
          pulls.push({ ...deferred(target, error.reason), trades: error.trades });
          for (const rest of symbols.slice(pulls.length))
            pulls.push(deferred(rest, `not asked: ${error.message}`));
          break;
        }
      }
      return pulls;
    },
  };

  async function pullSymbol(
    { symbol, sourceSymbol }: SourceSymbol,
    { untilMs, nowMs }: PullRequest,
    symbolLog: Logger,
  ): Promise<SymbolPull> {
    if (sourceSymbol === null)
      return { symbol, trades: [], status: 'stopped', reason: 'binance needs a source_symbol' };
    const prefix = binanceTradeIdPrefix(symbol, sourceSymbol);
    const oldestMs = untilMs - config.INGEST_MAX_BACKFILL_SECONDS * 1000;
    const last = await lastTradeWithIdPrefix(sql, symbol, prefix);
    const lastId = last === undefined ? undefined : aggregateIdOf(last.tradeId, prefix);
    let fromId: number | undefined;
    if (last !== undefined && lastId !== undefined && last.ts.getTime() >= oldestMs) {
      fromId = lastId + 1;
    } else if (last !== undefined) {
      symbolLog.warn(
        { last_trade_id: last.tradeId, last_ts: last.ts.toISOString() },
        `${symbol}: the last stored trade is older than INGEST_MAX_BACKFILL_SECONDS; resuming at ${new Date(oldestMs).toISOString()}, the gap is not backfilled`,
      );
    }
    const trades: SourceTrade[] = [];
    const options = {
      ...baseOptions,
      onRetry: (reason: string, attempt: number) => {
        symbolLog.warn({ attempt, reason }, `${symbol}: retrying after: ${reason}`);
      },
    };
    for (let page = 0; page < config.BINANCE_MAX_PAGES_PER_RUN; page++) {
      const params: Record<string, string> = {
        symbol: sourceSymbol,
        limit: String(config.BINANCE_PAGE_SIZE),
        ...(fromId === undefined ? { startTime: String(oldestMs) } : { fromId: String(fromId) }),
      };
      const answer = await requestAggTrades(params, options);
      if (answer.kind === 'wait') {
        await pauseSource(sql, 'binance', new Date(nowMs + answer.retryAfterMs), answer.reason);
        symbolLog.warn({ reason: answer.reason }, `binance paused: ${answer.reason}`);
        throw new SourcePaused(answer.reason, trades);
      }
      if (answer.kind === 'refused' || answer.kind === 'failed') {
        const status = answer.kind === 'refused' ? 'stopped' : 'deferred';
        symbolLog.warn(
          { reason: answer.reason, status },
          `${symbol}: ${status === 'stopped' ? 'stopped' : 'deferred to the next run'}: ${answer.reason}`,
        );
        return { symbol, trades, status, reason: answer.reason };
      }
      const checked = checkOrder(answer.trades, fromId, symbol, symbolLog);
      if (checked !== undefined) {
        symbolLog.warn({ reason: checked }, `${symbol}: deferred to the next run: ${checked}`);
        return { symbol, trades, status: 'deferred', reason: checked };
      }
      const due = answer.trades.filter((trade) => trade.T <= untilMs);
      trades.push(...due.map((trade) => toSourceTrade(trade, symbol, prefix)));
      const lastTrade = answer.trades.at(-1);
      if (due.length < answer.trades.length || answer.trades.length < config.BINANCE_PAGE_SIZE)
        return { symbol, trades, status: 'ok' };
      if (lastTrade !== undefined) fromId = lastTrade.a + 1;
      if (answer.usedWeight !== undefined && answer.usedWeight >= config.BINANCE_WEIGHT_BUDGET) {
        const reason = `request weight ${answer.usedWeight} of BINANCE_WEIGHT_BUDGET ${config.BINANCE_WEIGHT_BUDGET} used this minute; the next run continues`;
        symbolLog.info({ reason }, `${symbol}: behind: ${reason}`);
        return { symbol, trades, status: 'behind', reason };
      }
    }
    const reason = `read BINANCE_MAX_PAGES_PER_RUN (${config.BINANCE_MAX_PAGES_PER_RUN}) pages; the next run continues`;
    symbolLog.info({ reason }, `${symbol}: behind: ${reason}`);
    return { symbol, trades, status: 'behind', reason };
  }
}

function deferred({ symbol }: SourceSymbol, reason: string): SymbolPull {
  return { symbol, trades: [], status: 'deferred', reason };
}

/**
 * Aggregate ids rise by one. A page out of order is not published (the next run asks again); a
 * jump is logged and published as it stands: those ids are not Binance's to give, and asking again
 * would loop.
 *
 * @returns why the page is refused, or undefined when it may be published.
 */
function checkOrder(
  page: AggTrade[],
  fromId: number | undefined,
  symbol: string,
  log: Logger,
): string | undefined {
  let expected = fromId;
  for (const trade of page) {
    if (expected !== undefined && trade.a < expected)
      return `binance answered aggregate trades out of order (${trade.a} after ${expected - 1})`;
    if (expected !== undefined && trade.a > expected)
      log.warn(
        { from_id: expected, to_id: trade.a - 1 },
        `${symbol}: binance skipped aggregate trade ids ${expected}..${trade.a - 1}`,
      );
    expected = trade.a + 1;
  }
  return undefined;
}
