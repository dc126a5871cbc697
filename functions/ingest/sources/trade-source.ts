import type { IngestConfig } from '../../../shared/config/function-config.js';
import type { Sql } from '../../../shared/db/client.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { SourceName } from '../../../shared/sources/source-names.js';

/** A trade as a source hands it to ingest: the trades.v1 fields, decimals as exact strings. */
export interface SourceTrade {
  trade_id: string;
  symbol: string;
  price: string;
  volume: string;
  ts: string;
}

/** A symbol a source is asked for: our name and the provider's (null for the synthetic walk). */
export interface SourceSymbol {
  symbol: string;
  sourceSymbol: string | null;
}

/**
 * What a source got for one symbol in one run. `trades` are in the provider's order (for equal
 * timestamps too) and due since the symbol's last stored trade; they are published even when the
 * run then went wrong, since each is complete. `status` says what comes next:
 * - `ok`: caught up to the run's end;
 * - `behind`: stopped by this run's bounds (pages, request weight); the next run continues;
 * - `deferred`: the provider failed or asked us to wait; the next run retries from the last stored trade;
 * - `stopped`: the provider refused in a way that will not heal; ingest records `reason` and leaves
 *   the symbol alone until an operator changes it.
 */
export interface SymbolPull {
  symbol: string;
  trades: SourceTrade[];
  status: 'ok' | 'behind' | 'deferred' | 'stopped';
  /** Why, for every status but ok. */
  reason?: string;
}

/** One run's frame: trades are due up to and including `untilMs`. */
export interface PullRequest {
  untilMs: number;
  /** The wall clock, for pauses a provider asks for. */
  nowMs: number;
}

/**
 * Where trades come from: the synthetic walk and every provider implement this, one folder each
 * under functions/ingest/sources/. A source reads its own continuity (the last stored trade) and
 * must never throw for one symbol's trouble; it says so in that symbol's pull instead.
 */
export interface TradeSource {
  readonly name: SourceName;
  pull(symbols: SourceSymbol[], request: PullRequest): Promise<SymbolPull[]>;
}

/** What a source may use: the database, ingest's settings and the logger of the run. */
export interface SourceDeps {
  sql: Sql;
  config: IngestConfig;
  logger: Logger;
}
