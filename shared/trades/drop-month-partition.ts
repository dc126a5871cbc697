import type { Sql } from '../db/client.js';
import type { Logger } from '../logging/logger.js';
import { PARTITION_MAINTENANCE_LOCK } from './create-month-partition.js';
import { monthLabel, partitionName, type Month } from './trade-partitions.js';

export interface DroppedMonth {
  trades: number;
  /** The whole step: counting the month's trades per symbol, then dropping its table. */
  ms: number;
  /** The DROP TABLE alone: O(1), whatever the month holds. */
  dropMs: number;
}

/**
 * Drops `month`'s partition whole (DROP TABLE, never a DELETE) and takes its trades off each
 * symbol's count in trade_counts in the same transaction, so the counts stay the trades stored.
 *
 * The partition is locked against writes first (SHARE: reads go on) while its trades are counted
 * per symbol from the (symbol, ts, seq) index; the DROP then takes the parent's ACCESS EXCLUSIVE
 * lock for an instant, waiting at most 10 s for running queries of `trades` (lock_timeout; the
 * next run tries again).
 *
 * @returns what was dropped, or undefined when the partition no longer exists.
 */
export async function dropMonthPartition(
  sql: Sql,
  month: Month,
  { logger, retentionDays }: { logger: Logger; retentionDays: number },
): Promise<DroppedMonth | undefined> {
  const name = partitionName(month);
  const started = performance.now();
  const dropped = await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${PARTITION_MAINTENANCE_LOCK})`;
    const [found] = await tx<
      { found: boolean }[]
    >`select to_regclass(${name}) is not null as found`;
    if (found?.found !== true) return undefined;
    await tx`set local lock_timeout = '10s'`;
    await tx`lock table ${tx(name)} in share mode`;
    const counts = await tx<{ symbol: string; n: string }[]>`
      select symbol, count(*)::text as n from ${tx(name)} group by symbol`;
    const dropStarted = performance.now();
    await tx`drop table ${tx(name)}`;
    const dropMs = performance.now() - dropStarted;
    await tx`
      update trade_counts tc set trade_count = greatest(0, tc.trade_count - d.n)
      from unnest(${counts.map((c) => c.symbol)}::text[], ${counts.map((c) => c.n)}::bigint[]) as d(symbol, n)
      where tc.symbol = d.symbol`;
    return { counts, dropMs };
  });
  if (dropped === undefined) return undefined;
  const trades = dropped.counts.reduce((sum, c) => sum + Number(c.n), 0);
  const ms = performance.now() - started;
  logger.info(
    {
      partition: name,
      month: monthLabel(month),
      trades,
      by_symbol: Object.fromEntries(dropped.counts.map((c) => [c.symbol, Number(c.n)])),
      retention_days: retentionDays,
      took_ms: Math.round(ms),
      drop_ms: Math.round(dropped.dropMs),
    },
    `dropped partition ${name}: ${trades} trades of ${monthLabel(month)}, past TRADES_RETENTION_DAYS=${retentionDays}`,
  );
  return { trades, ms, dropMs: dropped.dropMs };
}
