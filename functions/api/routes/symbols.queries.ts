import type { Sql } from '../../../shared/db/client.js';

/** Whether the symbol is known at all (active or not): an unknown one is a 404, a quiet one is not. */
export async function symbolExists(sql: Sql, symbol: string): Promise<boolean> {
  const [row] = await sql<
    { exists: boolean }[]
  >`select exists (select 1 from symbols where symbol = ${symbol})`;
  return row?.exists === true;
}
