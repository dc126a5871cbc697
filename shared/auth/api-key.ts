import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a key may do: `read` the market data, or also `admin`ister symbols and rejected messages. */
export const API_KEY_ROLES = ['admin', 'read'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** A key's name (`keys revoke <name>`): starts with a letter, so it is never mistaken for an id. */
export const API_KEY_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9 ._@-]{0,99}$/;

/** The header clients send their key in. */
export const API_KEY_HEADER = 'x-api-key';

const KEY_MARKER = 'mdp_';
/** `mdp_` and 32 random bytes in base64url: 256 bits a caller cannot guess. */
const KEY_PATTERN = /^mdp_[A-Za-z0-9_-]{43}$/;
/** The marker and 8 characters (48 bits): enough to find a key's row, too little to matter if seen. */
const PREFIX_LENGTH = KEY_MARKER.length + 8;

/** Whether a key of `role` may call a route that needs `needed`: admin keys may read too. */
export function roleAllows(role: ApiKeyRole, needed: ApiKeyRole): boolean {
  return role === 'admin' || needed === 'read';
}

/**
 * A new key. The `mdp_` marker lets secret scanners and people recognise a leaked key.
 *
 * @example generateApiKey() // 'mdp_Zk3v…' (47 characters)
 */
export function generateApiKey(): string {
  return KEY_MARKER + randomBytes(32).toString('base64url');
}

/** Whether `value` has the shape of a key at all; anything else is refused without a lookup. */
export function isApiKeyShaped(value: string): boolean {
  return KEY_PATTERN.test(value);
}

/** The key's public part, stored beside the hash to find its row and shown by `keys list`. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}

/**
 * SHA-256, not bcrypt or scrypt: slow hashes protect guessable passwords, while a key is 256 random
 * bits, so even a stolen hash cannot be reversed by trying keys; and a fast hash adds no CPU time
 * to every authenticated request.
 */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * Compares two hashes in constant time, so the time an answer takes says nothing about how many
 * bytes of a guess were right.
 */
export function hashesMatch(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
