/** Significant digits an indicator value is given to: two more than the 8 the warm-up guarantees. */
export const SIGNIFICANT_DIGITS = 10;

/**
 * `value` rounded to `digits` significant digits, as a plain decimal string (no exponent, no
 * trailing zeros), like every decimal the api prints.
 *
 * @example decimalText(0.000012345678912) // '0.00001234567891'
 */
export function decimalText(value: number, digits = SIGNIFICANT_DIGITS): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  if (value === 0) return '0';
  const precise = value.toPrecision(digits);
  // toPrecision writes an exponent only for very small or very large magnitudes.
  if (!precise.includes('e'))
    return precise.includes('.') ? withoutTrailingZeros(precise) : precise;
  const [mantissa = '', exponent = '0'] = value.toExponential(digits - 1).split('e');
  const significand = mantissa.replace('-', '').replace('.', '');
  const point = Number(exponent) + 1;
  const text =
    point <= 0
      ? `0.${'0'.repeat(-point)}${significand}`
      : point >= significand.length
        ? significand + '0'.repeat(point - significand.length)
        : `${significand.slice(0, point)}.${significand.slice(point)}`;
  const trimmed = text.includes('.') ? withoutTrailingZeros(text) : text;
  return value < 0 ? `-${trimmed}` : trimmed;
}

/** "1.2300" → "1.23", "100.000" → "100". */
function withoutTrailingZeros(text: string): string {
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  return text.slice(0, end);
}
