import { z } from 'zod';
import { parseInterval, type CandleInterval } from '../market/interval-grammar.js';

/** The value that lists no interval. */
export const NO_INTERVALS = 'none';

/**
 * A comma-separated list of candle intervals in the /candles grammar (`1m,5m,1h`), each once;
 * `none` for none.
 */
export const intervalListSchema = z.string().transform((value, ctx): CandleInterval[] => {
  const intervals: CandleInterval[] = [];
  // An empty variable means "not set" (parseEnv: the default applies), so none is said by name.
  if (value.trim().toLowerCase() === NO_INTERVALS) return intervals;
  for (const text of value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')) {
    if (text.toLowerCase() === NO_INTERVALS) {
      ctx.addIssue({ code: 'custom', message: `"${text}" stands alone: it lists no interval` });
      return z.NEVER;
    }
    const parsed = parseInterval(text);
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', message: `"${text}": ${parsed.problem}` });
      return z.NEVER;
    }
    if (intervals.some((interval) => interval.ms === parsed.ms)) {
      ctx.addIssue({ code: 'custom', message: `lists ${parsed.name} twice` });
      return z.NEVER;
    }
    intervals.push(parsed);
  }
  return intervals;
});
