import type { IngestConfig } from '../../shared/config/function-config.js';
import type { Sql } from '../../shared/db/client.js';
import { symbolNotFound } from '../../shared/http/app-error.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { TradePublisher } from '../../shared/messaging/trade-publisher.js';
import type { SourceName } from '../../shared/sources/source-names.js';
import {
  ensureSymbols,
  listIngestTargets,
  stopSymbolSource,
  type IngestTarget,
} from '../../shared/symbols/symbols.queries.js';
import { createSources } from './sources/index.js';
import type { SourceTrade, SymbolPull, TradeSource } from './sources/trade-source.js';

export interface IngestDeps {
  sql: Sql;
  publisher: TradePublisher;
  config: IngestConfig;
  logger: Logger;
  /** The sources by name; the registry's unless a test gives its own. */
  sources?: Record<SourceName, TradeSource>;
}

export interface SymbolSummary {
  symbol: string;
  source: SourceName;
  trades: number;
  first_ts: string | null;
  last_ts: string | null;
  /** ok, behind (the next run continues), deferred (the next run retries) or stopped (see reason). */
  status: SymbolPull['status'];
  reason?: string;
}

export interface IngestSummary {
  symbols: SymbolSummary[];
  trades_published: number;
  messages_published: number;
  from: string | null;
  to: string | null;
  until: string;
  interval_seconds: number;
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Each source with the symbols it is asked for this run. */
function bySource(targets: IngestTarget[]): Map<SourceName, IngestTarget[]> {
  const groups = new Map<SourceName, IngestTarget[]>();
  for (const target of targets)
    groups.set(target.source, [...(groups.get(target.source) ?? []), target]);
  return groups;
}

/**
 * One scheduler run: makes sure the default symbols exist, asks each active symbol's source for
 * the trades due up to `untilMs` since its last stored trade, and publishes them in trades.v1
 * batches with `source` set. A symbol its source stopped is recorded and skipped from then on; a
 * source's trouble never touches another source's symbols. Rejects (and the scheduler retries) if
 * any batch is not accepted: a retry publishes the same trades again, which persist stores once.
 */
export async function runIngestion(
  deps: IngestDeps,
  {
    untilMs,
    nowMs = Date.now(),
    symbols: only,
  }: { untilMs: number; nowMs?: number; symbols?: string[] | undefined },
): Promise<IngestSummary> {
  const { sql, publisher, config, logger } = deps;
  await ensureSymbols(sql, config.DEFAULT_SYMBOLS);
  const targets = await listIngestTargets(sql, only);
  if (only !== undefined && targets.length !== new Set(only).size) {
    const found = new Set(targets.map((target) => target.symbol));
    const missing = only.filter((symbol) => !found.has(symbol));
    throw symbolNotFound(missing, 'Unknown or inactive symbol(s)');
  }
  const sources = deps.sources ?? createSources({ sql, config, logger });

  const stoppedBefore: SymbolSummary[] = targets
    .filter((target) => target.sourceStoppedReason !== null)
    .map((target) => ({
      symbol: target.symbol,
      source: target.source,
      trades: 0,
      first_ts: null,
      last_ts: null,
      status: 'stopped',
      reason: target.sourceStoppedReason ?? '',
    }));
  const live = targets.filter((target) => target.sourceStoppedReason === null);
  const pulled = await Promise.all(
    [...bySource(live)].map(async ([source, group]) =>
      (await sources[source].pull(group, { untilMs, nowMs })).map((pull) => ({ source, pull })),
    ),
  );
  const results = pulled.flat();

  for (const { source, pull } of results)
    if (pull.status === 'stopped') {
      const reason = pull.reason ?? `${source} stopped`;
      await stopSymbolSource(sql, pull.symbol, source, reason);
      logger.warn({ symbol: pull.symbol, source, reason }, `stopped ${pull.symbol}: ${reason}`);
    }

  const batches = results.flatMap(({ source, pull }) =>
    chunk(pull.trades, config.PUBLISH_BATCH_SIZE).map((batch) => ({
      source,
      symbol: pull.symbol,
      batch,
    })),
  );
  await Promise.all(
    batches.map(({ source, symbol, batch }) =>
      publisher.publish({ v: 1, source, trades: batch }, symbol),
    ),
  );
  const all: SourceTrade[] = results.flatMap(({ pull }) => pull.trades);
  const times = all.map((trade) => trade.ts).sort();
  const summaries: SymbolSummary[] = results.map(({ source, pull }) => ({
    symbol: pull.symbol,
    source,
    trades: pull.trades.length,
    first_ts: pull.trades[0]?.ts ?? null,
    last_ts: pull.trades.at(-1)?.ts ?? null,
    status: pull.status,
    ...(pull.reason === undefined ? {} : { reason: pull.reason }),
  }));
  return {
    symbols: [...summaries, ...stoppedBefore].sort((a, b) => a.symbol.localeCompare(b.symbol)),
    trades_published: all.length,
    messages_published: batches.length,
    from: times[0] ?? null,
    to: times.at(-1) ?? null,
    until: new Date(untilMs).toISOString(),
    interval_seconds: config.INGESTION_INTERVAL_SECONDS,
  };
}
