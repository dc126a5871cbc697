import type { Sql } from '../db/client.js';
import type { Logger } from '../logging/logger.js';
import { createMonthPartition } from './create-month-partition.js';
import { dropMonthPartition } from './drop-month-partition.js';
import {
  addMonths,
  DEFAULT_PARTITION,
  isPastRetention,
  monthLabel,
  monthOf,
  monthOfPartition,
  partitionName,
  type Month,
} from './trade-partitions.js';

/** Months after the current one whose partitions exist ahead: two missed monthly runs still find one. */
export const MONTHS_AHEAD = 3;

export interface PartitionMaintenanceOptions {
  logger: Logger;
  now?: Date;
  /** Drop whole months whose trades are all older than this; undefined keeps every trade. */
  retentionDays?: number | undefined;
  /** Blocks of trades_default read per batch when moving its rows into a month's partition. */
  batchBlocks?: number;
}

export interface MaintenanceReport {
  created: { partition: string; month: string; moved: number }[];
  dropped: { partition: string; month: string; trades: number; ms: number }[];
}

/**
 * The scheduled maintenance of the partitioned `trades` table, idempotent (a second run finds
 * nothing to do):
 *
 * 1. every month trades_default holds trades of (a replay of an old tape, the table as it was
 *    before partitioning, or months the job did not run) gets its partition, its trades moved
 *    there in the same transaction, so no reader sees a trade missing or twice;
 * 2. the current month and MONTHS_AHEAD months after it have their partitions, so live trades
 *    never fall into the default partition;
 * 3. with `retentionDays`, every month entirely past it is dropped whole.
 */
export async function maintainTradePartitions(
  sql: Sql,
  { logger, now = new Date(), retentionDays, batchBlocks }: PartitionMaintenanceOptions,
): Promise<MaintenanceReport> {
  const report: MaintenanceReport = { created: [], dropped: [] };
  const create = async (month: Month) => {
    const moved = await createMonthPartition(sql, month, {
      logger,
      ...(batchBlocks === undefined ? {} : { batchBlocks }),
    });
    if (moved !== undefined)
      report.created.push({ partition: partitionName(month), month: monthLabel(month), moved });
  };

  for (const month of await monthsInDefaultPartition(sql)) await create(month);
  const existing = new Set((await monthlyPartitions(sql)).map(monthLabel));
  for (let ahead = 0; ahead <= MONTHS_AHEAD; ahead++) {
    const month = addMonths(monthOf(now), ahead);
    if (!existing.has(monthLabel(month))) await create(month);
  }

  if (retentionDays !== undefined) {
    for (const month of await monthlyPartitions(sql)) {
      if (!isPastRetention(month, now, retentionDays)) continue;
      const dropped = await dropMonthPartition(sql, month, { logger, retentionDays });
      if (dropped !== undefined)
        report.dropped.push({
          partition: partitionName(month),
          month: monthLabel(month),
          trades: dropped.trades,
          ms: dropped.ms,
        });
    }
  }
  logger.info(
    {
      created: report.created.map((c) => c.partition),
      dropped: report.dropped.map((d) => d.partition),
      retention_days: retentionDays ?? null,
    },
    `trades partitions: ${report.created.length} created, ${report.dropped.length} dropped`,
  );
  return report;
}

/** The months of the monthly partitions `trades` has, oldest first. */
export async function monthlyPartitions(sql: Sql): Promise<Month[]> {
  const rows = await sql<{ name: string }[]>`
    select c.relname as name
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'trades'::regclass`;
  return rows
    .map((row) => monthOfPartition(row.name))
    .filter((month): month is Month => month !== undefined)
    .sort((a, b) => a.getTime() - b.getTime());
}

/** The months trades_default holds trades of: one scan of a partition that is usually empty. */
async function monthsInDefaultPartition(sql: Sql): Promise<Month[]> {
  const rows = await sql<{ month: Date }[]>`
    select distinct date_trunc('month', ts, 'UTC') as month
    from ${sql(DEFAULT_PARTITION)} order by 1`;
  return rows.map((row) => row.month);
}
