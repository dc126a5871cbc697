import { z } from 'zod';

/**
 * The rules a value must follow, each written once and shared by every schema that reads a variable
 * of that kind (the functions' fragments, the local stack, provisioning). `examples` is what a
 * configuration error suggests setting.
 */

/** A whole number in `[min, max]`, from its decimal text. */
export const integer = (min: number, max: number) => {
  const rule = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: rule }).int(rule).min(min, rule).max(max, rule);
};

/** One of `values`, exactly as written. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be ${values.slice(0, -1).join(', ')} or ${values.at(-1) ?? ''}` });

/** A TCP port. */
export const port = integer(1, 65_535);

/** A PostgreSQL connection URL. */
export const databaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
  .meta({ examples: ['postgres://user:password@localhost:5432/market_data'] });

/** `host:port`, as the Pub/Sub client library reads PUBSUB_EMULATOR_HOST. */
export const hostPort = z
  .string()
  .regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port')
  .meta({ examples: ['localhost:8085'] });

/** An http(s) URL. */
export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** Pub/Sub topic and subscription names: 3–255 chars, start with a letter, no "goog" prefix. */
export const pubsubName = z
  .string()
  .regex(
    /^(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/,
    'must be a valid Pub/Sub name (3-255 chars, starting with a letter, not with "goog")',
  );

/**
 * A Google Cloud project id: 6–30 lowercase letters, digits or hyphens, starting with a letter and
 * not ending with a hyphen. `local` is accepted too: it is the Pub/Sub emulator's project, the
 * functions' default, which the local stack and the tests use (the emulator takes any name, and
 * `local` says plainly that nothing reaches Google Cloud).
 */
export const projectId = z
  .string()
  .regex(
    /^(?:[a-z][a-z0-9-]{4,28}[a-z0-9]|local)$/,
    'must be a project id (6-30 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen; or local for the emulator)',
  )
  .meta({ examples: ['my-project'] });
