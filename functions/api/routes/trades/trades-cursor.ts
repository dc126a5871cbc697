import { invalidParameter } from '../../../../shared/http/app-error.js';

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
  return Buffer.from(JSON.stringify(cursor.asOf === '' ? values.slice(0, 6) : values)).toString(
    'base64url',
  );
}

/** @throws AppError 400 `invalid_parameter` for anything that is not a cursor this API issued. */
export function decodeCursor(encoded: string): TradesCursor {
  const invalid = () => invalidParameter('cursor', 'is not a cursor returned by this endpoint');
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(encoded)) throw invalid();
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(values) ||
    (values.length !== FIELDS.length && values.length !== FIELDS.length - 1) ||
    !values.every((v) => typeof v === 'string')
  )
    throw invalid();
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
    throw invalid();
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
