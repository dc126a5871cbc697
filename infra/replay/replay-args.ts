import { parseArgs } from 'node:util';
import { normalizeSymbol, SYMBOL_RULE } from '../../shared/market/symbol.js';
import { parseZonedTimestamp } from '../../shared/market/timestamp.js';
import { TAPE_LAYOUTS, type TapeLayoutName } from './tape-layouts.js';

export interface ReplayArgs {
  file: string;
  symbol: string;
  /** Tape seconds per wall second; undefined: as fast as Pub/Sub takes them. */
  speed: number | undefined;
  /** Epoch ms, [from, to). */
  fromMs: number | undefined;
  toMs: number | undefined;
  /** undefined: detected from the first line. */
  layout: TapeLayoutName | undefined;
  /** true: a bad line is reported and skipped; false: it stops the run before anything is published. */
  skipBadLines: boolean;
  /**
   * The Binance pair of a Binance aggTrades tape (BTCUSDT): its trades then get the ids the live
   * adapter gives them, so a replayed history and the live feed never store a trade twice, and
   * the adapter continues after the replayed trades.
   */
  binancePair: string | undefined;
}

export const REPLAY_USAGE = `Usage: npm run replay -- --file TAPE --symbol SYM [--speed N|max] [--from T] [--to T]
                        [--layout ${['auto', ...Object.keys(TAPE_LAYOUTS)].join('|')}] [--skip-bad-lines]
                        [--binance-pair PAIR]
  TAPE   CSV or JSON lines of trades (id, time, price, quantity); Binance aggTrades and trades
         exports (with or without header) are recognised, other CSV needs a header naming the columns
  SYM    the platform's symbol (it must exist: POST /symbols)
  N      tape seconds per second (10: ten times real time); max (default): as fast as possible
  T      ISO 8601 with a zone, or epoch ms; trades in [from, to) are replayed
  PAIR   for a Binance aggTrades tape: the pair (BTCUSDT); its trades get the live adapter's ids
A bad line stops the run before anything is published, unless --skip-bad-lines.`;

export class ReplayUsageError extends Error {
  override readonly name = 'ReplayUsageError';

  constructor(problem: string) {
    super(`${problem}\n${REPLAY_USAGE}`);
  }
}

function instant(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const ms = parseZonedTimestamp(value);
  if (ms === undefined)
    throw new ReplayUsageError(`--${name} must be ISO 8601 with a zone or epoch ms (got ${value})`);
  return ms;
}

/**
 * Parses `npm run replay -- …` arguments (argv without node and the script).
 *
 * @throws ReplayUsageError naming what is wrong.
 * @example parseReplayArgs(['--file', 'tape.csv', '--symbol', 'btc', '--speed', '10'])
 */
export function parseReplayArgs(argv: string[]): ReplayArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        file: { type: 'string' },
        symbol: { type: 'string' },
        speed: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        layout: { type: 'string' },
        'skip-bad-lines': { type: 'boolean' },
        'binance-pair': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new ReplayUsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.file === undefined || values.file === '')
    throw new ReplayUsageError('--file is required');
  if (values.symbol === undefined) throw new ReplayUsageError('--symbol is required');
  const symbol = normalizeSymbol(values.symbol);
  if (symbol === undefined) throw new ReplayUsageError(`--symbol ${SYMBOL_RULE}`);
  let speed: number | undefined;
  if (values.speed !== undefined && values.speed !== 'max') {
    speed = Number(values.speed);
    if (!/^\d+(\.\d+)?$/.test(values.speed) || !(speed > 0) || speed > 1_000_000)
      throw new ReplayUsageError(`--speed must be a number above 0 or max (got ${values.speed})`);
  }
  const layout = values.layout;
  if (layout !== undefined && layout !== 'auto' && !(layout in TAPE_LAYOUTS))
    throw new ReplayUsageError(
      `--layout ${layout} is not one of auto, ${Object.keys(TAPE_LAYOUTS).join(', ')}`,
    );
  const pair = values['binance-pair']?.toUpperCase();
  if (pair !== undefined && !/^[A-Z0-9]{2,20}$/.test(pair))
    throw new ReplayUsageError(`--binance-pair must be a Binance pair like BTCUSDT (got ${pair})`);
  if (
    pair !== undefined &&
    layout !== undefined &&
    layout !== 'auto' &&
    layout !== 'binance-aggtrades'
  )
    throw new ReplayUsageError('--binance-pair goes with a binance-aggtrades tape');
  const fromMs = instant('from', values.from);
  const toMs = instant('to', values.to);
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs)
    throw new ReplayUsageError('--from must be before --to');
  return {
    file: values.file,
    symbol,
    speed,
    fromMs,
    toMs,
    layout: layout === undefined || layout === 'auto' ? undefined : (layout as TapeLayoutName),
    skipBadLines: values['skip-bad-lines'] === true,
    binancePair: pair,
  };
}
