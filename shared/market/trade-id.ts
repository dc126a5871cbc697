/**
 * The id of a generated trade: one per symbol and timestamp, so regenerating the same slot
 * (a scheduler retry, two overlapping runs) yields the same id and the database keeps one row.
 *
 * @example tradeIdFor('AAPL', Date.parse('2025-11-21T16:00:00Z')) // 'AAPL-1763740800000'
 */
export function tradeIdFor(symbol: string, timestampMs: number): string {
  return `${symbol}-${timestampMs}`;
}
