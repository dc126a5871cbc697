import type { MarketDataClient } from '../../client/src/index.js';
import type { ServedIndicatorValue } from './indicator-layer.js';
import { specOf, type IndicatorChoice } from './indicator-specs.js';

/** /indicators' largest page (its `limit` maximum): a day of 1m candles in one request. */
const PAGE_BUCKETS = 5_000;

/** A choice's parameters as /indicators' query names them (`k` travels as a decimal string). */
function paramsQuery({ type, params }: IndicatorChoice) {
  const query: { window?: number; short?: number; long?: number; signal?: number; k?: string } = {};
  for (const { name } of specOf(type).params) {
    const value = params[name];
    if (value === undefined) continue;
    if (name === 'k') query.k = String(value);
    else query[name] = value;
  }
  return query;
}

/** One indicator's values from /indicators over [start, end), page after page (next_start). */
export async function fetchIndicatorValues(
  client: MarketDataClient,
  symbol: string,
  interval: string,
  choice: IndicatorChoice,
  start: string,
  end?: string,
): Promise<ServedIndicatorValue[]> {
  const values: ServedIndicatorValue[] = [];
  for (let from: string | null = start; from !== null;) {
    const { data }: { data: { values: ServedIndicatorValue[]; next_start: string | null } } =
      await client.GET('/indicators', {
        params: {
          query: {
            symbol,
            interval,
            type: choice.type,
            start: from,
            limit: PAGE_BUCKETS,
            ...(end === undefined ? {} : { end }),
            ...paramsQuery(choice),
          },
        },
      });
    values.push(...data.values);
    from = data.next_start;
  }
  return values;
}
