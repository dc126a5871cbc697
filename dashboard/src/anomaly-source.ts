import type { MarketDataClient } from '../../client/src/index.js';
import { fromListed, type ShownAnomaly } from './anomaly-markers.js';

/** /anomalies' largest page (its `limit` maximum). */
const PAGE = 1_000;

/** A symbol's anomalies detected at or after `since`, every page of /anomalies (next_cursor). */
export async function fetchAnomalies(
  client: MarketDataClient,
  symbol: string,
  since: string,
): Promise<ShownAnomaly[]> {
  const anomalies: ShownAnomaly[] = [];
  let cursor: string | undefined;
  do {
    const { data } = await client.GET('/anomalies', {
      params: {
        query: { symbol, since, limit: PAGE, ...(cursor === undefined ? {} : { cursor }) },
      },
    });
    anomalies.push(...data.anomalies.map(fromListed));
    cursor = data.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return anomalies;
}
