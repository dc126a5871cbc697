import { canonicalPositiveDecimal } from '../../shared/market/decimal.js';
import { isoTimestamp, parseZonedTimestamp } from '../../shared/market/timestamp.js';

/** One trade of a tape, checked: exact decimals, its instant in ms and as trades.v1 writes it. */
export interface TapeTrade {
  id: string;
  timeMs: number;
  ts: string;
  price: string;
  quantity: string;
}

/** Where a CSV layout keeps each field (0-based columns). */
interface Columns {
  id: number;
  time: number;
  price: number;
  quantity: number;
}

/**
 * The exports the replay recognises without a header. Binance's public files
 * (data.binance.vision) come without one before 2025 and with one since; both are read.
 */
export const TAPE_LAYOUTS = {
  /** agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker[,is_best_match] */
  'binance-aggtrades': { id: 0, price: 1, quantity: 2, time: 5 },
  /** id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match] */
  'binance-trades': { id: 0, price: 1, quantity: 2, time: 4 },
  /** A CSV whose header names the columns (see HEADER_NAMES). */
  csv: undefined,
  /** One JSON object per line, keys as HEADER_NAMES (Binance's a, p, q, T included). */
  jsonl: undefined,
} as const satisfies Record<string, Columns | undefined>;

export type TapeLayoutName = keyof typeof TAPE_LAYOUTS;

/** Column and key names each field goes by in common exports, lower case. */
const HEADER_NAMES: Record<keyof Columns, string[]> = {
  id: ['agg_trade_id', 'aggregate_trade_id', 'trade_id', 'tradeid', 'id', 'a'],
  time: ['transact_time', 'time', 'timestamp', 'ts', 'datetime', 'date', 't'],
  price: ['price', 'p'],
  quantity: ['quantity', 'qty', 'size', 'amount', 'volume', 'q'],
};

/** A tape's layout, resolved: how to read one data line. */
export interface ResolvedLayout {
  name: TapeLayoutName;
  /** Whether the first line is a header, not a trade. */
  header: boolean;
  parse(line: string): TapeTrade | { problem: string };
}

const ID = /^[\x21-\x7e]{1,64}$/;

function time(value: string): { ms: number; ts: string } | undefined {
  if (/^\d{1,19}$/.test(value)) {
    const n = Number(value);
    // Binance's spot files write microseconds since 2025 (16 digits), milliseconds before (13).
    if (value.length >= 16) {
      const ms = Math.floor(n / 1000);
      const micros = value.slice(-3);
      return { ms, ts: isoTimestamp(ms).replace('Z', `${micros}Z`) };
    }
    return { ms: n, ts: isoTimestamp(n) };
  }
  const ms = parseZonedTimestamp(value);
  return ms === undefined ? undefined : { ms, ts: new Date(ms).toISOString() };
}

/** A trade from its four fields, or what is wrong with them (the first problem). */
export function tapeTrade(fields: {
  id: unknown;
  time: unknown;
  price: unknown;
  quantity: unknown;
}): TapeTrade | { problem: string } {
  const id = typeof fields.id === 'number' ? String(fields.id) : fields.id;
  if (typeof id !== 'string' || !ID.test(id))
    return { problem: `id: must be 1-64 printable characters (got ${JSON.stringify(fields.id)})` };
  const rawTime = typeof fields.time === 'number' ? String(fields.time) : fields.time;
  const when = typeof rawTime === 'string' ? time(rawTime.trim()) : undefined;
  if (when === undefined || when.ms < 0)
    return {
      problem: `time: must be epoch ms, epoch µs or ISO 8601 with a zone (got ${JSON.stringify(fields.time)})`,
    };
  const decimals: Record<'price' | 'quantity', string> = { price: '', quantity: '' };
  for (const key of ['price', 'quantity'] as const) {
    const value = fields[key];
    const result =
      typeof value === 'string' || typeof value === 'number'
        ? canonicalPositiveDecimal(typeof value === 'string' ? value.trim() : value)
        : ({ problem: 'not_a_decimal' } as const);
    if ('problem' in result)
      return {
        problem: `${key}: ${result.problem.replaceAll('_', ' ')} (got ${JSON.stringify(value)})`,
      };
    decimals[key] = result.value;
  }
  return { id, timeMs: when.ms, ts: when.ts, ...decimals };
}

function splitCsv(line: string): string[] {
  return line.split(',').map((field) => field.trim().replace(/^"(.*)"$/, '$1'));
}

function csvLayout(name: TapeLayoutName, columns: Columns, header: boolean): ResolvedLayout {
  const width = Math.max(columns.id, columns.time, columns.price, columns.quantity) + 1;
  return {
    name,
    header,
    parse(line) {
      const fields = splitCsv(line);
      if (fields.length < width)
        return {
          problem: `expected at least ${width} comma-separated fields, got ${fields.length}`,
        };
      return tapeTrade({
        id: fields[columns.id],
        time: fields[columns.time],
        price: fields[columns.price],
        quantity: fields[columns.quantity],
      });
    },
  };
}

function columnsFromHeader(names: string[]): Columns | string {
  const lower = names.map((name) => name.toLowerCase());
  const found: Partial<Columns> = {};
  for (const field of Object.keys(HEADER_NAMES) as (keyof Columns)[]) {
    const index = HEADER_NAMES[field].map((name) => lower.indexOf(name)).find((i) => i >= 0);
    if (index === undefined)
      return `the header names no ${field} column (one of ${HEADER_NAMES[field].join(', ')})`;
    found[field] = index;
  }
  return found as Columns;
}

const jsonLayout: ResolvedLayout = {
  name: 'jsonl',
  header: false,
  parse(line) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return { problem: 'not valid JSON' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { problem: 'not a JSON object' };
    const record = Object.fromEntries(
      Object.entries(value).map(([key, field]) => [key.toLowerCase(), field as unknown]),
    );
    // Binance's own keys are case-sensitive (T is the time, t a trade id): read those first.
    const raw = value as Record<string, unknown>;
    const pick = (field: keyof Columns, binanceKey: string) =>
      raw[binanceKey] ??
      HEADER_NAMES[field].map((name) => record[name]).find((v) => v !== undefined);
    return tapeTrade({
      id: pick('id', 'a'),
      time: pick('time', 'T'),
      price: pick('price', 'p'),
      quantity: pick('quantity', 'q'),
    });
  },
};

/**
 * The layout of a tape from its first line, or the one `given`. Without a header, a Binance file
 * is told apart by its columns: aggTrades carry the time sixth (after two trade ids), trades fifth.
 *
 * @returns the layout, or why none fits.
 */
export function resolveLayout(firstLine: string, given?: TapeLayoutName): ResolvedLayout | string {
  const line = firstLine.trim();
  if (given === 'jsonl' || (given === undefined && line.startsWith('{'))) return jsonLayout;
  const fields = splitCsv(line);
  const header = !/^\d/.test(fields[0] ?? '');
  if (given === 'binance-aggtrades' || given === 'binance-trades')
    return csvLayout(given, TAPE_LAYOUTS[given], header);
  if (header) {
    const columns = columnsFromHeader(fields);
    if (typeof columns === 'string') return columns;
    // A Binance file with its header is the same tape as without: the same name keeps its trade ids.
    const lower = fields.map((field) => field.toLowerCase());
    const name: TapeLayoutName = lower.includes('first_trade_id')
      ? 'binance-aggtrades'
      : lower.includes('quote_qty')
        ? 'binance-trades'
        : 'csv';
    return csvLayout(name, columns, true);
  }
  if (given === 'csv')
    return 'a csv tape needs a header naming its id, time, price and quantity columns';
  const isTime = (value: string | undefined) => value !== undefined && /^\d{13,16}$/.test(value);
  if (fields.length >= 7 && isTime(fields[5]))
    return csvLayout('binance-aggtrades', TAPE_LAYOUTS['binance-aggtrades'], false);
  if (fields.length >= 6 && isTime(fields[4]))
    return csvLayout('binance-trades', TAPE_LAYOUTS['binance-trades'], false);
  return `the first line is no layout the replay knows (${Object.keys(TAPE_LAYOUTS).join(', ')}): give a header naming id, time, price and quantity, or --layout`;
}
