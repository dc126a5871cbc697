import { z } from 'zod';
import { normalizeSymbol, SYMBOL_PATTERN } from '../market/symbol.js';

export interface SymbolDefinition {
  symbol: string;
  name: string;
}

export const DEFAULT_SYMBOLS_VALUE =
  'AAPL:Apple Inc.,GOOGL:Alphabet Inc.,MSFT:Microsoft Corporation,TSLA:Tesla Inc.,AMZN:Amazon.com Inc.';

/**
 * Parses `DEFAULT_SYMBOLS`: comma-separated `SYMBOL:Company name` pairs (the name may not contain a comma).
 *
 * @example parseSymbolList('AAPL:Apple Inc.,MSFT:Microsoft Corporation')
 */
export const symbolListSchema = z.string().transform((value, ctx): SymbolDefinition[] => {
  const definitions: SymbolDefinition[] = [];
  const seen = new Set<string>();
  for (const entry of value.split(',').map((part) => part.trim())) {
    const separator = entry.indexOf(':');
    const symbol = normalizeSymbol((separator === -1 ? entry : entry.slice(0, separator)).trim());
    if (symbol === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${entry}" is not SYMBOL:Name with SYMBOL matching ${SYMBOL_PATTERN.source}`,
      });
      return z.NEVER;
    }
    const name = separator === -1 ? symbol : entry.slice(separator + 1).trim();
    if (seen.has(symbol)) {
      ctx.addIssue({ code: 'custom', message: `lists ${symbol} twice` });
      return z.NEVER;
    }
    seen.add(symbol);
    definitions.push({ symbol, name: name === '' ? symbol : name });
  }
  return definitions;
});
