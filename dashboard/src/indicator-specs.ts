/** The indicators the page can show; values always come from GET /indicators. */
export type IndicatorType = 'sma' | 'ema' | 'bbands' | 'rsi' | 'macd';

export interface IndicatorSpec {
  type: IndicatorType;
  label: string;
  /** On the candles (price) or in a pane of its own below them. */
  pane: 'price' | 'own';
  /** The `window` parameter's default, when the indicator takes one. */
  defaultWindow: number | undefined;
  /** The value's parts, each one line (`value` for a single number). */
  lines: readonly { key: string; color: string; histogram?: boolean }[];
}

export const INDICATORS: readonly IndicatorSpec[] = [
  {
    type: 'sma',
    label: 'SMA',
    pane: 'price',
    defaultWindow: 20,
    lines: [{ key: 'value', color: '#ff9800' }],
  },
  {
    type: 'ema',
    label: 'EMA',
    pane: 'price',
    defaultWindow: 20,
    lines: [{ key: 'value', color: '#9c27b0' }],
  },
  {
    type: 'bbands',
    label: 'Bollinger',
    pane: 'price',
    defaultWindow: 20,
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
    defaultWindow: 14,
    lines: [{ key: 'value', color: '#795548' }],
  },
  {
    type: 'macd',
    label: 'MACD',
    pane: 'own',
    defaultWindow: undefined,
    lines: [
      { key: 'histogram', color: '#b0bec5', histogram: true },
      { key: 'macd', color: '#2962ff' },
      { key: 'signal', color: '#ff6d00' },
    ],
  },
];

/** An indicator switched on, with its window when it takes one. */
export interface IndicatorChoice {
  type: IndicatorType;
  window: number | undefined;
}

const MAX_WINDOW = 500;

export function specOf(type: IndicatorType): IndicatorSpec {
  const spec = INDICATORS.find((candidate) => candidate.type === type);
  if (spec === undefined) throw new Error(`unknown indicator ${type}`);
  return spec;
}

/** `sma:20,rsi:14,macd` (the URL's form) as choices; unknown or malformed entries are dropped. */
export function parseIndicators(text: string | null): IndicatorChoice[] {
  const choices: IndicatorChoice[] = [];
  for (const entry of (text ?? '').split(',')) {
    const [type = '', windowText] = entry.split(':');
    const spec = INDICATORS.find((candidate) => candidate.type === type);
    if (spec === undefined || choices.some((choice) => choice.type === spec.type)) continue;
    const window = Number(windowText);
    choices.push({
      type: spec.type,
      window:
        spec.defaultWindow === undefined
          ? undefined
          : Number.isInteger(window) && window >= 1 && window <= MAX_WINDOW
            ? window
            : spec.defaultWindow,
    });
  }
  return choices;
}

export function formatIndicators(choices: readonly IndicatorChoice[]): string {
  return choices
    .map(({ type, window }) => (window === undefined ? type : `${type}:${window}`))
    .join(',');
}
