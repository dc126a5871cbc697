import { z } from 'zod';
import { canonicalPositiveDecimal } from '../../../../shared/market/decimal.js';
import type { SourceTrade } from '../trade-source.js';

/**
 * One element of `GET /api/v3/aggTrades` as Binance documents it:
 * `{"a":26129,"p":"0.01633102","q":"4.70443515","f":27781,"l":27781,"T":1498793709153,"m":true,"M":true}`
 * (aggregate id, price, quantity, first and last trade id, time in ms, buyer was maker, best match).
 * Not strict: Binance may add fields, which change nothing we read.
 */
const decimalText = z.string().refine((text) => 'value' in canonicalPositiveDecimal(text), {
  message: 'must be a positive decimal with at most 8 places',
});

export const aggTradeSchema = z.object({
  a: z.number().int().nonnegative(),
  p: decimalText,
  q: decimalText,
  T: z.number().int().nonnegative(),
});

export const aggTradesPageSchema = z.array(aggTradeSchema);

export type AggTrade = z.output<typeof aggTradeSchema>;

export { binanceTradeIdPrefix } from '../../../../shared/sources/binance-trade-id.js';

/** The aggregate id at the end of a stored trade id of this prefix, or undefined. */
export function aggregateIdOf(tradeId: string, prefix: string): number | undefined {
  if (!tradeId.startsWith(prefix)) return undefined;
  const rest = tradeId.slice(prefix.length);
  return /^\d{1,16}$/.test(rest) ? Number(rest) : undefined;
}

/** A Binance aggregate trade as ingest publishes it. */
export function toSourceTrade(trade: AggTrade, symbol: string, prefix: string): SourceTrade {
  return {
    trade_id: `${prefix}${trade.a}`,
    symbol,
    price: trade.p,
    volume: trade.q,
    ts: new Date(trade.T).toISOString(),
  };
}
