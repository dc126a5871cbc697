import { z } from '@hono/zod-openapi';
import { invalidParameter } from '../../../../shared/http/app-error.js';
import type {
  IndicatorSpec,
  IndicatorType,
  PriceSeries,
} from '../../../../shared/indicators/indicator-spec.js';

export const INDICATOR_TYPES = ['sma', 'ema', 'rsi', 'macd', 'bbands', 'atr', 'stoch'] as const;
export const MAX_WINDOW = 500;

const period = (description: string) =>
  z
    .string()
    .regex(/^\d{1,3}$/, `must be a whole number from 1 to ${MAX_WINDOW}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_WINDOW, `must be from 1 to ${MAX_WINDOW}`)
    .optional()
    .openapi({ type: 'integer', minimum: 1, maximum: MAX_WINDOW, description });

/** The indicator parameters of the query; which apply depends on `type` (indicatorSpecOf). */
export const indicatorQuery = {
  type: z.enum(INDICATOR_TYPES).openapi({ description: 'The indicator' }),
  window: period('sma, ema (default 20), rsi, atr (default 14), bbands (default 20)'),
  short: period('macd: the fast EMA (default 12)'),
  long: period('macd: the slow EMA (default 26), longer than short'),
  signal: period('macd: the EMA of the MACD line (default 9)'),
  k: z
    .string()
    .optional()
    .openapi({
      type: 'string',
      description:
        'bbands: standard deviations from the middle band (default 2, above 0 up to 10); ' +
        'stoch: the %K lookback (default 14, 1-500)',
    }),
  d: period('stoch: the SMA of %K that gives %D (default 3)'),
  smooth: period('stoch: the SMA that slows %K (default 3)'),
  series: z
    .enum(['open', 'high', 'low', 'close'])
    .optional()
    .openapi({ description: 'The price an indicator of one series reads (default close)' }),
};

type IndicatorQuery = {
  type: IndicatorType;
  window?: number | undefined;
  short?: number | undefined;
  long?: number | undefined;
  signal?: number | undefined;
  k?: string | undefined;
  d?: number | undefined;
  smooth?: number | undefined;
  series?: PriceSeries | undefined;
};

/** Which parameters each type reads; any other given is refused, not silently ignored. */
const APPLIES: Record<IndicatorType, readonly (keyof Omit<IndicatorQuery, 'type'>)[]> = {
  sma: ['window', 'series'],
  ema: ['window', 'series'],
  rsi: ['window', 'series'],
  macd: ['short', 'long', 'signal', 'series'],
  bbands: ['window', 'k', 'series'],
  atr: ['window'],
  stoch: ['k', 'd', 'smooth'],
};

function kPeriod(k: string | undefined): number {
  if (k === undefined) return 14;
  const parsed = period('').safeParse(k);
  if (!parsed.success || parsed.data === undefined)
    throw invalidParameter('k', `must be a whole number from 1 to ${MAX_WINDOW} for stoch`);
  return parsed.data;
}

function deviations(k: string | undefined): number {
  if (k === undefined) return 2;
  const value = /^\d{1,2}(\.\d{1,4})?$/.test(k) ? Number(k) : Number.NaN;
  if (!(value > 0 && value <= 10))
    throw invalidParameter('k', 'must be a number above 0 and up to 10 for bbands (e.g. 2 or 2.5)');
  return value;
}

/**
 * The indicator the query asks for, its defaults applied.
 *
 * @throws AppError 400 naming a parameter that does not apply to the type or does not fit it.
 */
export function indicatorSpecOf(query: IndicatorQuery): IndicatorSpec {
  for (const name of ['window', 'short', 'long', 'signal', 'k', 'd', 'smooth', 'series'] as const)
    if (query[name] !== undefined && !APPLIES[query.type].includes(name))
      throw invalidParameter(name, `does not apply to ${query.type}`);
  const series = query.series ?? 'close';
  switch (query.type) {
    case 'sma':
    case 'ema':
      return { type: query.type, window: query.window ?? 20, series };
    case 'rsi':
      return { type: 'rsi', window: query.window ?? 14, series };
    case 'atr':
      return { type: 'atr', window: query.window ?? 14 };
    case 'bbands':
      return { type: 'bbands', window: query.window ?? 20, k: deviations(query.k), series };
    case 'macd': {
      const spec = {
        type: 'macd' as const,
        short: query.short ?? 12,
        long: query.long ?? 26,
        signal: query.signal ?? 9,
        series,
      };
      if (spec.short >= spec.long) throw invalidParameter('short', 'must be shorter than long');
      return spec;
    }
    case 'stoch':
      return { type: 'stoch', k: kPeriod(query.k), d: query.d ?? 3, smooth: query.smooth ?? 3 };
  }
}
