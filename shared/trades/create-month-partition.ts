import type { TransactionSql } from 'postgres';
import type { Sql } from '../db/client.js';
import type { Logger } from '../logging/logger.js';
import {
  addMonths,
  DEFAULT_PARTITION,
  monthLabel,
  partitionName,
  type Month,
} from './trade-partitions.js';

/** Arbitrary constant: one maintenance step at a time, whichever instance or CLI runs it. */
export const PARTITION_MAINTENANCE_LOCK = 1_668_019;

/** About 70 trades fit in a block: 1,000 blocks is a batch of ~70,000 trades. */
const DEFAULT_BATCH_BLOCKS = 1_000;
const PROGRESS_EVERY_MS = 1_000;

const COLUMNS = 'trade_id, seq, symbol, price, volume, ts, source, message_id, ingested_at, xid';

/**
 * Creates `month`'s partition and moves into it the trades trades_default holds of that month, in
 * one transaction: readers see the month's trades in the default partition until it commits, in
 * the new one after, never missing and never twice. Writes into trades_default (trades of months
 * without a partition) wait meanwhile; writes into other partitions and every read go on.
 *
 * The move reads trades_default in batches of `batchBlocks` blocks (a TID range scan each, so a
 * batch costs its own size, whatever the table's) and logs its progress at most every second. The
 * new table gets its indexes when attached, built once over the moved rows, and a CHECK constraint
 * of its bounds first, so attaching does not scan it again.
 *
 * @returns the trades moved, or undefined when the partition already existed.
 */
export async function createMonthPartition(
  sql: Sql,
  month: Month,
  { logger, batchBlocks = DEFAULT_BATCH_BLOCKS }: { logger: Logger; batchBlocks?: number },
): Promise<number | undefined> {
  const name = partitionName(month);
  const from = month.toISOString();
  const to = addMonths(month, 1).toISOString();
  const moved = await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${PARTITION_MAINTENANCE_LOCK})`;
    if (await tableExists(tx, name)) return undefined;
    await tx`set local lock_timeout = '10s'`;
    await tx`lock table ${tx(DEFAULT_PARTITION)} in exclusive mode`;
    await tx.unsafe(`create table ${name} (like trades including defaults including constraints)`);
    await tx.unsafe(
      `alter table ${name} add constraint ${name}_bounds check (ts >= '${from}' and ts < '${to}')`,
    );
    const count = await moveRows(tx, name, { from, to, batchBlocks, logger, month });
    await tx.unsafe(
      `alter table trades attach partition ${name} for values from ('${from}') to ('${to}')`,
    );
    await tx.unsafe(`alter table ${name} drop constraint ${name}_bounds`);
    return count;
  });
  if (moved !== undefined)
    logger.info(
      { partition: name, month: monthLabel(month), moved },
      `created partition ${name} for ${monthLabel(month)}` +
        (moved > 0 ? `, moving ${moved} trades into it from ${DEFAULT_PARTITION}` : ''),
    );
  return moved;
}

async function tableExists(tx: TransactionSql, name: string): Promise<boolean> {
  const [row] = await tx<{ found: boolean }[]>`select to_regclass(${name}) is not null as found`;
  return row?.found === true;
}

async function moveRows(
  tx: TransactionSql,
  name: string,
  {
    from,
    to,
    batchBlocks,
    logger,
    month,
  }: { from: string; to: string; batchBlocks: number; logger: Logger; month: Month },
): Promise<number> {
  const [probe] = await tx<{ any: boolean; blocks: number }[]>`
    select exists (select 1 from ${tx(DEFAULT_PARTITION)} where ts >= ${from}::timestamptz and ts < ${to}::timestamptz) as any,
           (pg_relation_size(${DEFAULT_PARTITION}) / current_setting('block_size')::int)::int as blocks`;
  if (probe?.any !== true) return 0;
  let moved = 0;
  let lastLog = performance.now();
  for (let start = 0; start < probe.blocks; start += batchBlocks) {
    const end = start + batchBlocks;
    const [batch] = await tx.unsafe<{ n: number }[]>(
      `with moved as (
         delete from ${DEFAULT_PARTITION}
         where ctid >= '(${start},0)'::tid and ctid < '(${end},0)'::tid and ts >= $1::timestamptz and ts < $2::timestamptz
         returning ${COLUMNS}
       ), copied as (
         insert into ${name} (${COLUMNS}) select ${COLUMNS} from moved returning 1
       )
       select count(*)::int as n from copied`,
      [from, to],
    );
    moved += batch?.n ?? 0;
    const last = end >= probe.blocks;
    if (last || performance.now() - lastLog >= PROGRESS_EVERY_MS) {
      lastLog = performance.now();
      logger.info(
        { partition: name, moved, blocks_read: Math.min(end, probe.blocks), blocks: probe.blocks },
        `moving ${monthLabel(month)} out of ${DEFAULT_PARTITION}: ${moved} trades, ` +
          `${Math.round((100 * Math.min(end, probe.blocks)) / probe.blocks)}% of its blocks read`,
      );
    }
  }
  return moved;
}
