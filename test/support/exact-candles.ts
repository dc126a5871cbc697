/**
 * Candles computed independently of the API, with exact integer arithmetic: the reference the
 * property test holds /candles to.
 */
const SCALE = 100_000_000n; // 8 decimal places

export interface ReferenceTrade {
  tsMs: number;
  price: string;
  volume: string;
}

export function toUnits(decimal: string): bigint {
  const [integer = '0', fraction = ''] = decimal.split('.');
  return BigInt(integer) * SCALE + BigInt(fraction.padEnd(8, '0'));
}

/** Like PostgreSQL's trim_scale(): no trailing fractional zeros, no dot for whole numbers. */
export function fromUnits(units: bigint): string {
  const integer = units / SCALE;
  const fraction = (units % SCALE).toString().padStart(8, '0').replace(/0+$/, '');
  return fraction === '' ? integer.toString() : `${integer}.${fraction}`;
}

const ORIGIN = Date.UTC(1970, 0, 5); // a Monday

export function referenceCandles(tradesInPublishOrder: ReferenceTrade[], intervalMs: number) {
  return referenceCandlesBy(
    tradesInPublishOrder,
    (tsMs) => ORIGIN + Math.floor((tsMs - ORIGIN) / intervalMs) * intervalMs,
  );
}

/** The candles of the trades grouped by `bucketOf` (a trade's time → its bucket's start). */
export function referenceCandlesBy(
  tradesInPublishOrder: ReferenceTrade[],
  bucketOf: (tsMs: number) => number,
) {
  // A stable sort keeps publish order among equal timestamps, as the database's (ts, seq) does.
  const ordered = tradesInPublishOrder
    .map((trade, order) => ({ ...trade, order }))
    .sort((a, b) => a.tsMs - b.tsMs || a.order - b.order);
  const buckets = new Map<number, typeof ordered>();
  for (const trade of ordered) {
    const bucket = bucketOf(trade.tsMs);
    buckets.set(bucket, [...(buckets.get(bucket) ?? []), trade]);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bucket, trades]) => {
      const prices = trades.map((t) => toUnits(t.price));
      const volumes = trades.map((t) => toUnits(t.volume));
      const volume = volumes.reduce((a, b) => a + b, 0n);
      // Σ(P·V) / ΣV in units of 1e-8, rounded half up (all positive).
      const weighted = prices.reduce((sum, p, i) => sum + p * (volumes[i] ?? 0n), 0n);
      const vwap = (2n * weighted + volume) / (2n * volume);
      return {
        timestamp: new Date(bucket).toISOString(),
        open: fromUnits(prices[0] ?? 0n),
        high: fromUnits(prices.reduce((a, b) => (b > a ? b : a))),
        low: fromUnits(prices.reduce((a, b) => (b < a ? b : a))),
        close: fromUnits(prices.at(-1) ?? 0n),
        volume: fromUnits(volume),
        vwap: fromUnits(vwap),
        trade_count: trades.length,
      };
    });
}
