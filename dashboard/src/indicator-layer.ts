import {
  HistogramSeries,
  LineSeries,
  type IChartApi,
  type ISeriesApi,
  type LineData,
  type UTCTimestamp,
} from 'lightweight-charts';
import { chartTime } from './candle-bars.js';
import {
  choiceLabel,
  specOf,
  type IndicatorChoice,
  type IndicatorType,
} from './indicator-specs.js';

/** One /indicators value: a decimal string, or an object of them (bbands, macd). */
export interface ServedIndicatorValue {
  timestamp: string;
  value: string | Record<string, string>;
}

type Series = ISeriesApi<'Line'> | ISeriesApi<'Histogram'>;

/**
 * The indicators' lines: on the price pane, or each in a pane of its own below it (RSI, MACD).
 * Redrawn whole from /indicators each time: the page computes no value itself.
 */
export function createIndicatorLayer(chart: IChartApi) {
  const shown = new Map<IndicatorType, Map<string, Series>>();

  const remove = (type: IndicatorType) => {
    for (const series of shown.get(type)?.values() ?? []) chart.removeSeries(series);
    shown.delete(type);
    // A pane whose last series went is left empty by the chart: drop it (never the price pane).
    for (let index = chart.panes().length - 1; index > 0; index--)
      if (chart.panes()[index]?.getSeries().length === 0) chart.removePane(index);
  };

  return {
    show(choice: IndicatorChoice, values: readonly ServedIndicatorValue[]) {
      const spec = specOf(choice.type);
      const label = choiceLabel(choice);
      remove(spec.type);
      const pane = spec.pane === 'price' ? 0 : chart.panes().length;
      const lines = new Map<string, Series>();
      for (const line of spec.lines) {
        const options = {
          color: line.color,
          lastValueVisible: false,
          priceLineVisible: false,
          title:
            line.key === 'value' || line.key === spec.type
              ? label
              : spec.pane === 'price'
                ? `${label} ${line.key}`
                : line.key,
        };
        const series: Series = line.histogram
          ? chart.addSeries(HistogramSeries, options, pane)
          : chart.addSeries(LineSeries, { ...options, lineWidth: 1 }, pane);
        series.setData(
          values.map(({ timestamp, value }): LineData<UTCTimestamp> => ({
            time: chartTime(timestamp),
            value: Number(typeof value === 'string' ? value : value[line.key]),
          })),
        );
        lines.set(line.key, series);
      }
      shown.set(spec.type, lines);
    },
    /**
     * Older values in front of what an indicator shows (history scrolled into), each line's points
     * before its first one only, so a redraw that already brought them in is not doubled.
     */
    prepend(type: IndicatorType, values: readonly ServedIndicatorValue[]) {
      const spec = specOf(type);
      const lines = shown.get(spec.type);
      if (lines === undefined) return;
      for (const line of spec.lines) {
        const series = lines.get(line.key);
        if (series === undefined) continue;
        const held = series.data();
        const first = held[0]?.time as number | undefined;
        const older = values
          .map(({ timestamp, value }): LineData<UTCTimestamp> => ({
            time: chartTime(timestamp),
            value: Number(typeof value === 'string' ? value : value[line.key]),
          }))
          .filter((point) => first === undefined || point.time < first);
        if (older.length > 0) series.setData([...older, ...held] as LineData<UTCTimestamp>[]);
      }
    },
    keep(types: readonly IndicatorType[]) {
      for (const type of [...shown.keys()]) if (!types.includes(type)) remove(type);
    },
    /** What the chart holds, per indicator and line (for the browser tests). */
    data(): Record<string, Record<string, { time: number; value: number }[]>> {
      const out: Record<string, Record<string, { time: number; value: number }[]>> = {};
      for (const [type, lines] of shown) {
        const byLine: Record<string, { time: number; value: number }[]> = {};
        for (const [key, series] of lines)
          byLine[key] = series.data().map((point) => ({
            time: point.time as number,
            value: 'value' in point ? point.value : NaN,
          }));
        out[type] = byLine;
      }
      return out;
    },
  };
}

export type IndicatorLayer = ReturnType<typeof createIndicatorLayer>;
