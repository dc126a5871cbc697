import type { Sql } from '../db/client.js';
import {
  apiKeyPrefix,
  generateApiKey,
  hashApiKey,
  hashesMatch,
  isApiKeyShaped,
  type ApiKeyRole,
} from './api-key.js';

/** A key as operators see it: never the key itself, which exists only in the creator's hands. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
  /** Requests per minute this key may make; null: its role's limit (RATE_LIMIT_*_PER_MINUTE). */
  rate_limit_per_minute: number | null;
}

/** Who a presented key belongs to. */
export type ApiKeyIdentity = Pick<ApiKeyRecord, 'id' | 'name' | 'role' | 'rate_limit_per_minute'>;

const RECORD_COLUMNS =
  'id::text, name, role, prefix, created_at, revoked_at, rate_limit_per_minute';

/**
 * Creates a key and stores its hash.
 *
 * @returns the record and the key, which is not stored and cannot be shown again.
 */
export async function createApiKey(
  sql: Sql,
  {
    role,
    name,
    ratePerMinute,
  }: { role: ApiKeyRole; name?: string | undefined; ratePerMinute?: number | undefined },
): Promise<{ record: ApiKeyRecord; key: string }> {
  const key = generateApiKey();
  const prefix = apiKeyPrefix(key);
  const [record] = await sql<ApiKeyRecord[]>`
    insert into api_keys (name, role, prefix, key_hash, rate_limit_per_minute)
    values (${name ?? `${role}-${prefix.slice(4)}`}, ${role}, ${prefix}, ${hashApiKey(key)},
            ${ratePerMinute ?? null})
    returning ${sql.unsafe(RECORD_COLUMNS)}`;
  if (record === undefined) throw new Error('insert into api_keys returned no row');
  return { record, key };
}

/** Every key, in force or revoked, oldest first. */
export function listApiKeys(sql: Sql): Promise<ApiKeyRecord[]> {
  return sql<ApiKeyRecord[]>`
    select ${sql.unsafe(RECORD_COLUMNS)} from api_keys order by id`;
}

/**
 * Revokes the key in force with this id (digits) or name.
 *
 * @returns the revoked key, or undefined when no key in force matches.
 */
export async function revokeApiKey(sql: Sql, idOrName: string): Promise<ApiKeyRecord | undefined> {
  const match = /^\d{1,18}$/.test(idOrName) ? sql`id = ${idOrName}` : sql`name = ${idOrName}`;
  const [record] = await sql<ApiKeyRecord[]>`
    update api_keys set revoked_at = now()
    where ${match} and revoked_at is null
    returning ${sql.unsafe(RECORD_COLUMNS)}`;
  return record;
}

/**
 * The identity of a presented key in force, or undefined. The row is found by the key's public
 * prefix and the hashes compared in constant time, so neither the query nor the comparison
 * reveals anything about the secret part.
 */
export async function findApiKey(sql: Sql, presented: string): Promise<ApiKeyIdentity | undefined> {
  if (!isApiKeyShaped(presented)) return undefined;
  const candidates = await sql<(ApiKeyIdentity & { key_hash: Buffer })[]>`
    select id::text, name, role, rate_limit_per_minute, key_hash from api_keys
    where prefix = ${apiKeyPrefix(presented)} and revoked_at is null`;
  const hash = hashApiKey(presented);
  const found = candidates.find((candidate) => hashesMatch(candidate.key_hash, hash));
  if (found === undefined) return undefined;
  const { id, name, role, rate_limit_per_minute } = found;
  return { id, name, role, rate_limit_per_minute };
}
