import type {
  IndicatorValue,
  TimedValue,
} from '../../../../shared/indicators/compute-indicator.js';
import { decimalText } from '../../../../shared/indicators/decimal-text.js';
import { isoTimestamp } from '../../../../shared/market/timestamp.js';

/**
 * A value as the api prints it: a decimal string, or the parts of a composite one. Decimal texts
 * are digits, a point and a sign, which JSON needs no escaping for.
 */
function valueJson(value: IndicatorValue): string {
  if (typeof value === 'number') return `"${decimalText(value)}"`;
  if ('macd' in value)
    return `{"macd":"${decimalText(value.macd)}","signal":"${decimalText(value.signal)}","histogram":"${decimalText(value.histogram)}"}`;
  if ('upper' in value)
    return `{"upper":"${decimalText(value.upper)}","middle":"${decimalText(value.middle)}","lower":"${decimalText(value.lower)}"}`;
  return `{"k":"${decimalText(value.k)}","d":"${decimalText(value.d)}"}`;
}

/**
 * The `values` of an /indicators answer as JSON text, written directly: a day of 1m MACD values is
 * 1,440 small objects that would otherwise be built only to be serialized.
 */
export function indicatorValuesJson(values: readonly TimedValue[]): string {
  let text = '[';
  for (let i = 0; i < values.length; i++) {
    const { timeMs, value } = values[i] as TimedValue;
    text += `${i === 0 ? '' : ','}{"timestamp":"${isoTimestamp(timeMs)}","value":${valueJson(value)}}`;
  }
  return `${text}]`;
}
