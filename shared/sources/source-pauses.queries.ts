import type { Sql } from '../db/client.js';
import type { SourceName } from './source-names.js';

/** A provider's request to stop asking until a time (HTTP 429 or 418 with Retry-After). */
export interface SourcePause {
  until: Date;
  reason: string;
}

/** The pause `source` is under at `nowMs`, if any: every ingest instance reads the same one. */
export async function activePause(
  sql: Sql,
  source: SourceName,
  nowMs: number,
): Promise<SourcePause | undefined> {
  const [row] = await sql<SourcePause[]>`
    select until, reason from source_pauses
    where source = ${source} and until > ${new Date(nowMs)}`;
  return row;
}

/** Pauses `source` until `until`; a later pause already recorded is kept. */
export async function pauseSource(
  sql: Sql,
  source: SourceName,
  until: Date,
  reason: string,
): Promise<void> {
  await sql`
    insert into source_pauses (source, until, reason) values (${source}, ${until}, ${reason})
    on conflict (source) do update set
      until = greatest(source_pauses.until, excluded.until),
      reason = case when excluded.until >= source_pauses.until then excluded.reason else source_pauses.reason end,
      updated_at = now()`;
}
