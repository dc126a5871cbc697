import { invalidParameter } from '../../../../shared/http/app-error.js';

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
  return Buffer.from(
    JSON.stringify([cursor.symbol, cursor.kind, cursor.since, cursor.id]),
  ).toString('base64url');
}

/** @throws AppError 400 `invalid_parameter` for anything that is not a cursor this API issued. */
export function decodeCursor(encoded: string): AnomaliesCursor {
  const invalid = () => invalidParameter('cursor', 'is not a cursor returned by this endpoint');
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(encoded)) throw invalid();
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(values) || values.length !== 4 || !values.every((v) => typeof v === 'string'))
    throw invalid();
  const [symbol, kind, since, id] = values as [string, string, string, string];
  if (!/^\d{1,19}$/.test(id)) throw invalid();
  return { symbol, kind, since, id };
}
