import { decodeCursorStrings, encodeCursorStrings, notOurCursor } from '../../lib/opaque-cursor.js';

/**
 * Where a page of /anomalies ended, and the filters it belongs to. Opaque to clients (base64url
 * JSON); a cursor of another query is refused, not misapplied.
 */
export interface AnomaliesCursor {
  /** The filters as given ('' for absent). */
  symbol: string;
  kind: string;
  since: string;
  /** The last anomaly returned. */
  id: string;
}

export function encodeCursor(cursor: AnomaliesCursor): string {
  return encodeCursorStrings([cursor.symbol, cursor.kind, cursor.since, cursor.id]);
}

/** @throws AppError 400 `invalid_parameter` for anything that is not a cursor this API issued. */
export function decodeCursor(encoded: string): AnomaliesCursor {
  const [symbol = '', kind = '', since = '', id = ''] = decodeCursorStrings(encoded, [4]);
  if (!/^\d{1,19}$/.test(id)) throw notOurCursor();
  return { symbol, kind, since, id };
}
