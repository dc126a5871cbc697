/** Exact decimals as strings: prices and volumes never pass through a float on their way to the database. */

/** Digits the database keeps: NUMERIC(28, 8). */
export const MAX_INTEGER_DIGITS = 20;
export const MAX_FRACTION_DIGITS = 8;

const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;
/** A decimal already canonical and within NUMERIC(28, 8) (zero excepted): most are, and go as sent. */
const CANONICAL_DECIMAL = /^(?:0|[1-9]\d{0,19})(?:\.\d{0,7}[1-9])?$/;

export type DecimalProblem =
  'not_a_decimal' | 'not_finite' | 'too_many_decimals' | 'too_large' | 'not_positive';

/**
 * Canonical form of a positive decimal given as a string (`"187.230"`) or a JSON number (`187.23`):
 * no sign, no exponent, no leading zeros, no trailing fractional zeros. Returns the problem instead
 * when the value cannot be stored exactly.
 */
export function canonicalPositiveDecimal(
  value: string | number,
): { value: string } | { problem: DecimalProblem } {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { problem: 'not_finite' };
    // toFixed(20) writes 1e-7 as 0.00000010000000000000: no exponent to parse.
    text = /e/i.test(String(value)) ? value.toFixed(20) : String(value);
  } else {
    if (value !== '0' && CANONICAL_DECIMAL.test(value)) return { value };
    text = value;
  }
  const match = PLAIN_DECIMAL.exec(text);
  if (!match) return { problem: 'not_a_decimal' };
  const integer = (match[1] ?? '').replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > MAX_FRACTION_DIGITS) return { problem: 'too_many_decimals' };
  if (integer.length > MAX_INTEGER_DIGITS) return { problem: 'too_large' };
  if (/^0*$/.test(integer) && fraction === '') return { problem: 'not_positive' };
  return { value: fraction === '' ? integer : `${integer}.${fraction}` };
}
