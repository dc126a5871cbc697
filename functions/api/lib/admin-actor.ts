import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';

/** Who made an admin change, for the audit line each change logs: the key's id and name, never the key. */
export async function adminActor(
  c: Context<AppEnv>,
): Promise<{ api_key_id?: string; api_key_name?: string }> {
  const lookup = await c.var.apiKey();
  return lookup.state === 'valid'
    ? { api_key_id: lookup.key.id, api_key_name: lookup.key.name }
    : {};
}
