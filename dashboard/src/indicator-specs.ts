/** The indicators the page can show; values always come from GET /indicators. */
export type IndicatorType = 'sma' | 'ema' | 'bbands' | 'rsi' | 'macd';

/** One parameter of an indicator, named as GET /indicators' query names it. */
export interface IndicatorParam {
  name: 'window' | 'k' | 'short' | 'long' | 'signal';
  /** The number box's visible label (its accessible name adds the indicator's and the hint). */
  label: string;
  hint?: string;
  default: number;
  /** The bounds /indicators accepts (a whole number unless `step` is a fraction). */
  min: number;
  max: number;
  step: number;
}

export interface IndicatorSpec {
  type: IndicatorType;
  label: string;
  /** On the candles (price) or in a pane of its own below them. */
  pane: 'price' | 'own';
  /** The parameters in the order the URL writes them (`macd:12:26:9`). */
  params: readonly IndicatorParam[];
  /** What is wrong with a set of parameters together (each one within its bounds), if anything. */
  conflict?: (params: Readonly<Record<string, number>>) => string | undefined;
  /** The value's parts, each one line (`value` for a single number). */
  lines: readonly { key: string; color: string; histogram?: boolean }[];
}

/** /indicators' bounds for a period (MAX_WINDOW in its route). */
const period = (name: IndicatorParam['name'], label: string, fallback: number): IndicatorParam => ({
  name,
  label,
  default: fallback,
  min: 1,
  max: 500,
  step: 1,
});

export const INDICATORS: readonly IndicatorSpec[] = [
  {
    type: 'sma',
    label: 'SMA',
    pane: 'price',
    params: [period('window', 'window', 20)],
    lines: [{ key: 'value', color: '#ff9800' }],
  },
  {
    type: 'ema',
    label: 'EMA',
    pane: 'price',
    params: [period('window', 'window', 20)],
    lines: [{ key: 'value', color: '#9c27b0' }],
  },
  {
    type: 'bbands',
    label: 'Bollinger',
    pane: 'price',
    // k: standard deviations, above 0 and up to 10 (/indicators takes up to four decimals).
    params: [
      period('window', 'window', 20),
      {
        name: 'k',
        label: 'k',
        hint: 'standard deviations',
        default: 2,
        min: 0.1,
        max: 10,
        step: 0.1,
      },
    ],
    lines: [
      { key: 'upper', color: '#607d8b' },
      { key: 'middle', color: '#90a4ae' },
      { key: 'lower', color: '#607d8b' },
    ],
  },
  {
    type: 'rsi',
    label: 'RSI',
    pane: 'own',
    params: [period('window', 'window', 14)],
    lines: [{ key: 'value', color: '#795548' }],
  },
  {
    type: 'macd',
    label: 'MACD',
    pane: 'own',
    params: [
      period('short', 'fast', 12),
      period('long', 'slow', 26),
      period('signal', 'signal', 9),
    ],
    conflict: ({ short = 0, long = 0 }) =>
      short < long ? undefined : 'MACD fast must be shorter than slow',
    lines: [
      { key: 'histogram', color: '#b0bec5', histogram: true },
      { key: 'macd', color: '#2962ff' },
      { key: 'signal', color: '#ff6d00' },
    ],
  },
];

/** An indicator switched on, with a value for each of its parameters. */
export interface IndicatorChoice {
  type: IndicatorType;
  params: Record<string, number>;
}

export function specOf(type: IndicatorType): IndicatorSpec {
  const spec = INDICATORS.find((candidate) => candidate.type === type);
  if (spec === undefined) throw new Error(`unknown indicator ${type}`);
  return spec;
}

export function defaultParams(spec: IndicatorSpec): Record<string, number> {
  return Object.fromEntries(spec.params.map((param) => [param.name, param.default]));
}

/** Whether `value` is one /indicators takes for `param`: within bounds, on its step. */
export function fitsParam(param: IndicatorParam, value: number): boolean {
  if (!Number.isFinite(value) || value < param.min || value > param.max) return false;
  // Steps of 0.1 checked in tenths, so 2.3 (2.2999…) is on the step.
  const steps = value / param.step;
  return Math.abs(steps - Math.round(steps)) < 1e-9;
}

/**
 * `sma:20,bbands:20:2.5,macd:12:26:9` (the URL's form) as choices: parameters in the spec's order,
 * a missing or unfit one at its default, a set that conflicts (MACD fast not shorter than slow)
 * all at defaults; unknown or repeated indicators are dropped.
 */
export function parseIndicators(text: string | null): IndicatorChoice[] {
  const choices: IndicatorChoice[] = [];
  for (const entry of (text ?? '').split(',')) {
    const [type = '', ...values] = entry.split(':');
    const spec = INDICATORS.find((candidate) => candidate.type === type);
    if (spec === undefined || choices.some((choice) => choice.type === spec.type)) continue;
    const params = Object.fromEntries(
      spec.params.map((param, index) => {
        const text = values[index];
        const value = text === undefined || text === '' ? NaN : Number(text);
        return [param.name, fitsParam(param, value) ? value : param.default];
      }),
    );
    choices.push({
      type: spec.type,
      params: spec.conflict?.(params) === undefined ? params : defaultParams(spec),
    });
  }
  return choices;
}

export function formatIndicators(choices: readonly IndicatorChoice[]): string {
  return choices
    .map(({ type, params }) =>
      [type, ...specOf(type).params.map((param) => String(params[param.name]))].join(':'),
    )
    .join(',');
}

/** The indicator's name with its parameters, as the chart titles its line: `MACD 12 26 9`. */
export function choiceLabel({ type, params }: IndicatorChoice): string {
  const spec = specOf(type);
  return [spec.label, ...spec.params.map((param) => String(params[param.name]))].join(' ');
}
