import {
  createApiKey,
  listApiKeys,
  revokeApiKey,
  type ApiKeyRecord,
} from '../../shared/auth/api-key-store.js';
import type { Sql } from '../../shared/db/client.js';
import type { KeysCommand } from './keys-args.js';

/** A command that could not do what was asked; the message says why. */
export class KeysCommandError extends Error {
  override readonly name = 'KeysCommandError';
}

const sqlState = (error: unknown): unknown =>
  typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;

const label = (key: ApiKeyRecord) =>
  `key ${key.id} "${key.name}" (${key.role}, ${key.prefix}…${rateLabel(key)})`;

const rateLabel = (key: ApiKeyRecord) =>
  key.rate_limit_per_minute === null ? '' : `, ${key.rate_limit_per_minute}/min`;

/**
 * Runs one `npm run keys` command and returns the lines to print. For `create`, the new key is
 * the last line, alone, so `npm run keys -- create --role read | tail -n 1` captures it.
 */
export async function runKeysCommand(sql: Sql, command: KeysCommand): Promise<string[]> {
  try {
    switch (command.command) {
      case 'create': {
        const { record, key } = await createApiKey(sql, command);
        return [
          `Created ${label(record)}.`,
          'Store it now: it is shown only this once. Clients send it in the X-API-Key header.',
          key,
        ];
      }
      case 'list':
        return formatKeyList(await listApiKeys(sql));
      case 'revoke': {
        const revoked = await revokeApiKey(sql, command.idOrName);
        if (revoked === undefined)
          throw new KeysCommandError(`No key in force has the id or name "${command.idOrName}"`);
        return [`Revoked ${label(revoked)}: it is refused from now on.`];
      }
    }
  } catch (error) {
    // SQLSTATE codes, not messages: 23505 unique_violation, 42P01 undefined_table.
    if (sqlState(error) === '23505' && command.command === 'create')
      throw new KeysCommandError(`A key in force is already named "${command.name ?? ''}"`);
    if (sqlState(error) === '42P01')
      throw new KeysCommandError('The database has no api_keys table yet: run npm run migrate');
    throw error;
  }
}

function formatKeyList(keys: ApiKeyRecord[]): string[] {
  if (keys.length === 0) return ['No API keys yet: npm run keys -- create --role admin|read'];
  const rows = keys.map((key) => [
    key.id,
    key.name,
    key.role,
    key.rate_limit_per_minute === null ? 'role' : `${key.rate_limit_per_minute}/min`,
    `${key.prefix}…`,
    key.created_at.toISOString(),
    key.revoked_at === null ? 'active' : `revoked ${key.revoked_at.toISOString()}`,
  ]);
  const table = [['id', 'name', 'role', 'rate', 'prefix', 'created', 'state'], ...rows];
  const widths = table[0]?.map((_, column) =>
    Math.max(...table.map((row) => row[column]?.length ?? 0)),
  );
  return table.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths?.[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
