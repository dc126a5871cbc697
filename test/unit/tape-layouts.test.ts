import { describe, expect, it } from 'vitest';
import { resolveLayout, type ResolvedLayout } from '../../infra/replay/tape-layouts.js';

const layoutOf = (line: string) => {
  const layout = resolveLayout(line);
  if (typeof layout === 'string') throw new Error(layout);
  return layout;
};
const parse = (layout: ResolvedLayout, line: string) => layout.parse(line);

describe('tape layouts', () => {
  it.each([
    [
      'Binance aggTrades, no header (before 2025)',
      '26129,0.01633102,4.70443515,27781,27781,1498793709153,True,True',
      'binance-aggtrades',
      false,
    ],
    [
      'Binance aggTrades with header (2025 on)',
      'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match',
      'binance-aggtrades',
      true,
    ],
    [
      'Binance trades, no header',
      '51175358,17.80180000,5.69000000,101.29224200,1583709433583,True,True',
      'binance-trades',
      false,
    ],
    [
      'Binance trades with header',
      'id,price,qty,quote_qty,time,is_buyer_maker',
      'binance-trades',
      true,
    ],
    ['a CSV with a header naming its columns', 'trade_id,timestamp,price,size,side', 'csv', true],
    [
      'JSON lines',
      '{"a":26129,"p":"0.01633102","q":"4.70443515","T":1498793709153}',
      'jsonl',
      false,
    ],
  ])('recognises %s', (_name, line, name, header) => {
    expect(layoutOf(line)).toMatchObject({ name, header });
  });

  it('reads each layout into the same trade', () => {
    const expected = {
      id: '26129',
      timeMs: 1498793709153,
      ts: '2017-06-30T03:35:09.153Z',
      price: '0.01633102',
      quantity: '4.70443515',
    };
    const agg = layoutOf('26129,0.01633102,4.70443515,27781,27781,1498793709153,True,True');
    expect(parse(agg, '26129,0.01633102,4.70443515,27781,27781,1498793709153,True,True')).toEqual(
      expected,
    );
    const json = layoutOf('{}');
    expect(
      parse(json, '{"a":26129,"p":"0.01633102","q":"4.70443515","f":1,"l":1,"T":1498793709153}'),
    ).toEqual(expected);
    const csv = layoutOf('trade_id,timestamp,price,size');
    expect(parse(csv, '26129,2017-06-30T03:35:09.153Z,0.016331020,4.70443515')).toEqual(expected);
  });

  it('keeps microseconds (Binance spot files since 2025)', () => {
    const agg = layoutOf('1,1.5,2,1,1,1735689600123456,true,true');
    expect(parse(agg, '1,1.5,2,1,1,1735689600123456,true,true')).toMatchObject({
      timeMs: 1735689600123,
      ts: '2025-01-01T00:00:00.123456Z',
    });
  });

  it.each([
    ['a price that is no number', '1,abc,2,1,1,1498793709153,True,True', /^price: not a decimal/],
    ['a zero quantity', '1,1.5,0,1,1,1498793709153,True,True', /^quantity: not positive/],
    [
      'nine decimal places',
      '1,1.123456789,1,1,1,1498793709153,True,True',
      /^price: too many decimals/,
    ],
    ['too few fields', '1,1.5,2', /expected at least 6 comma-separated fields, got 3/],
    ['no time', '1,1.5,2,1,1,,True,True', /^time: must be/],
  ])('refuses %s, saying what is wrong', (_name, line, problem) => {
    const agg = layoutOf('26129,0.01633102,4.70443515,27781,27781,1498793709153,True,True');
    const result = parse(agg, line);
    expect('problem' in result && result.problem).toMatch(problem);
  });

  it('refuses a JSON line that is no object, or a time without a zone', () => {
    const json = layoutOf('{}');
    expect(parse(json, '[1,2]')).toEqual({ problem: 'not a JSON object' });
    expect(parse(json, '{"a":1,"p":"1"')).toEqual({ problem: 'not valid JSON' });
    expect(parse(json, '{"id":1,"time":"2017-06-30T03:35:09","price":1,"qty":1}')).toMatchObject({
      problem: expect.stringMatching(/^time:/) as unknown,
    });
  });

  it('says why it cannot tell a layout', () => {
    expect(resolveLayout('1,2,3')).toMatch(/no layout the replay knows/);
    expect(resolveLayout('when,what')).toMatch(/the header names no id column/);
  });
});
