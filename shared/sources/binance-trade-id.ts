/**
 * The id prefix of a symbol's Binance trades, shared by the live adapter and the tape replay so a
 * replayed aggTrades export and the live feed give one trade one id. It names our symbol (two
 * symbols may follow one pair) and the pair (a symbol may switch pairs): the same aggregate trade
 * always gets the same id, and the last stored id says where to continue.
 *
 * @example binanceTradeIdPrefix('BTC-USD', 'BTCUSDT') // 'BTC-USD:binance:BTCUSDT:'
 */
export function binanceTradeIdPrefix(symbol: string, sourceSymbol: string): string {
  return `${symbol}:binance:${sourceSymbol}:`;
}
