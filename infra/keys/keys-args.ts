import { parseArgs } from 'node:util';
import { API_KEY_NAME_PATTERN, API_KEY_ROLES, type ApiKeyRole } from '../../shared/auth/api-key.js';

export type KeysCommand =
  | { command: 'create'; role: ApiKeyRole; name?: string; ratePerMinute?: number }
  | { command: 'list' }
  | { command: 'revoke'; idOrName: string };

export const KEYS_USAGE = `Usage:
  npm run keys -- create --role admin|read [--name NAME] [--rate N]
                                      prints the new key once, on the last line; --rate: its own
                                      limit in requests per minute instead of its role's
  npm run keys -- list                                      every key: id, name, role, prefix, state
  npm run keys -- revoke <id or name>                       the key stops working at once
Without DATABASE_URL: the local stack's embedded database (running or not).`;

/** A command line that does not say what to do; the message ends with the usage. */
export class KeysUsageError extends Error {
  override readonly name = 'KeysUsageError';

  constructor(problem: string) {
    super(`${problem}\n${KEYS_USAGE}`);
  }
}

const isRole = (value: string): value is ApiKeyRole =>
  (API_KEY_ROLES as readonly string[]).includes(value);

/** The most --rate accepts, as the api_keys column's check does. */
const MAX_RATE_PER_MINUTE = 10_000_000;

function parseRate(rate: string | undefined): number | undefined {
  if (rate === undefined) return undefined;
  const value = /^\d{1,8}$/.test(rate) ? Number(rate) : NaN;
  if (!(value >= 1 && value <= MAX_RATE_PER_MINUTE))
    throw new KeysUsageError(
      `--rate must be a whole number of requests per minute, 1 to ${MAX_RATE_PER_MINUTE}`,
    );
  return value;
}

/**
 * Parses `npm run keys -- …` arguments (argv without node and the script).
 *
 * @throws KeysUsageError naming what is wrong.
 * @example parseKeysArgs(['create', '--role', 'read', '--name', 'dashboard'])
 */
export function parseKeysArgs(argv: string[]): KeysCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { role: { type: 'string' }, name: { type: 'string' }, rate: { type: 'string' } },
    });
  } catch (error) {
    throw new KeysUsageError(error instanceof Error ? error.message : String(error));
  }
  const { positionals, values } = parsed;
  const [command, ...rest] = positionals;
  const noExtra = (allowed: number) => {
    if (rest.length > allowed) throw new KeysUsageError(`Unexpected argument: ${rest.join(' ')}`);
  };
  switch (command) {
    case 'create': {
      noExtra(0);
      const { role, name } = values;
      if (role === undefined || !isRole(role))
        throw new KeysUsageError(`create needs --role ${API_KEY_ROLES.join('|')}`);
      if (name !== undefined && !API_KEY_NAME_PATTERN.test(name))
        throw new KeysUsageError(
          '--name must start with a letter: up to 100 letters, digits, spaces, ".", "_", "@" or "-"',
        );
      const ratePerMinute = parseRate(values.rate);
      return {
        command,
        role,
        ...(name === undefined ? {} : { name }),
        ...(ratePerMinute === undefined ? {} : { ratePerMinute }),
      };
    }
    case 'list':
      noExtra(0);
      if (values.role !== undefined || values.name !== undefined || values.rate !== undefined)
        throw new KeysUsageError('list takes no options');
      return { command };
    case 'revoke': {
      noExtra(1);
      const [idOrName] = rest;
      if (idOrName === undefined || idOrName === '')
        throw new KeysUsageError('revoke needs the id or name of a key (see keys -- list)');
      return { command, idOrName };
    }
    default:
      throw new KeysUsageError(
        command === undefined ? 'Say what to do.' : `Unknown command: ${command}`,
      );
  }
}
