import { decodeCursorStrings, encodeCursorStrings, notOurCursor } from '../../lib/opaque-cursor.js';

/**
 * Where a page of /trades ended, and the query it belongs to. Opaque to clients (base64url JSON);
 * bound to its symbol, order and range, so a cursor from another query is refused, not misapplied.
 */
export interface TradesCursor {
  symbol: string;
  order: 'asc' | 'desc';
  start: string;
  end: string;
  /** The last trade returned: its timestamp (µs precision, as stored) and arrival sequence. */
  ts: string;
  seq: string;
  /** The query's as_of (ISO 8601), '' without: every page answers as of the same instant. */
  asOf: string;
}

const FIELDS = ['symbol', 'order', 'start', 'end', 'ts', 'seq', 'asOf'] as const;

export function encodeCursor(cursor: TradesCursor): string {
  // Without as_of the cursor keeps the six fields cursors had before it, which still decode.
  const values = FIELDS.map((field) => cursor[field]);
  return encodeCursorStrings(cursor.asOf === '' ? values.slice(0, 6) : values);
}

/** @throws AppError 400 `invalid_parameter` for anything that is not a cursor this API issued. */
export function decodeCursor(encoded: string): TradesCursor {
  const values = decodeCursorStrings(encoded, [FIELDS.length, FIELDS.length - 1]);
  const [symbol, order, start, end, ts, seq, asOf = ''] = values;
  const isTime = (value: string | undefined) =>
    value !== undefined && !Number.isNaN(Date.parse(value));
  if (
    (order !== 'asc' && order !== 'desc') ||
    symbol === undefined ||
    !isTime(start) ||
    !isTime(end) ||
    !isTime(ts) ||
    seq === undefined ||
    !/^\d{1,19}$/.test(seq) ||
    (asOf !== '' && !isTime(asOf))
  ) {
    throw notOurCursor();
  }
  return {
    symbol,
    order,
    start: start as string,
    end: end as string,
    ts: ts as string,
    seq,
    asOf,
  };
}
