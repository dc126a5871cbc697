import { describe, expect, it } from 'vitest';
import { canonicalPositiveDecimal } from '../../shared/market/decimal.js';

describe('canonicalPositiveDecimal', () => {
  it.each([
    ['187.23', '187.23'],
    ['187.230000', '187.23'],
    ['000187.5', '187.5'],
    ['0.00141342', '0.00141342'],
    ['1200', '1200'],
    [187.23, '187.23'],
    [1e-7, '0.0000001'],
    [0.00000123, '0.00000123'],
    ['12345678901234567890.12345678', '12345678901234567890.12345678'],
  ])('%j is stored exactly as %j', (input, expected) => {
    expect(canonicalPositiveDecimal(input)).toEqual({ value: expected });
  });

  it.each([
    ['0', 'not_positive'],
    ['0.000', 'not_positive'],
    [0, 'not_positive'],
    ['-1', 'not_a_decimal'],
    [-1, 'not_a_decimal'],
    ['1e5', 'not_a_decimal'],
    ['NaN', 'not_a_decimal'],
    [Number.NaN, 'not_finite'],
    [Number.POSITIVE_INFINITY, 'not_finite'],
    ['Infinity', 'not_a_decimal'],
    [' 1', 'not_a_decimal'],
    ['1.', 'not_a_decimal'],
    ['abc', 'not_a_decimal'],
    ['0.123456789', 'too_many_decimals'],
    [1e-9, 'too_many_decimals'],
    ['123456789012345678901', 'too_large'],
  ])('%j is refused: %s', (input, problem) => {
    expect(canonicalPositiveDecimal(input)).toEqual({ problem });
  });
});
