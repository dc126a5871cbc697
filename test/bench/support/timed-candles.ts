/**
 * One GET /candles: the milliseconds until its whole body has arrived. The body is checked
 * afterwards (every bucket, every trade), outside the time: parsing it is the caller's work.
 */
export async function timedCandlesRequest(
  url: string,
  expected: { buckets: number; trades: number },
): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200)
    throw new Error(`GET ${url}: ${response.status} ${body.slice(0, 300)}`);
  const { candles } = JSON.parse(body) as { candles: { trade_count: number }[] };
  const trades = candles.reduce((sum, candle) => sum + candle.trade_count, 0);
  if (candles.length !== expected.buckets || trades !== expected.trades)
    throw new Error(
      `GET ${url}: ${candles.length} candles of ${trades} trades, expected ${expected.buckets} of ${expected.trades}`,
    );
  return ms;
}
