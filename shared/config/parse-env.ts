import { z } from 'zod';
import { ConfigError } from './config-error.js';

/** Environment variables as the process sees them (tests pass their own). */
export type Env = Record<string, string | undefined>;

/**
 * Parses and validates the variables `schema` names, and only those. Empty strings count as unset,
 * so `FOO=` in a `.env` file falls back to the default instead of failing.
 *
 * @throws ConfigError naming the first missing or invalid variable, what its value must be, and a
 * value that would do.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: Env): z.infer<S> {
  const present = Object.fromEntries(
    Object.keys(schema.shape)
      .map((key) => [key, env[key]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = String(issue?.path[0] ?? 'environment');
  const field = schema.shape[variable] as z.ZodType | undefined;
  const example = field === undefined ? undefined : exampleOf(field);
  const value = present[variable];
  const problem =
    value === undefined
      ? `is required: ${field === undefined ? 'must be set' : ruleOf(field)} (got nothing)`
      : `${issue?.message ?? 'is invalid'} (got ${JSON.stringify(value)})`;
  throw new ConfigError(variable, problem, example);
}

/**
 * What a value of `field` must be. A missing variable's own issue only says "expected string", so
 * the rule is the one an empty value breaks: the wording the schema gives its pattern.
 */
function ruleOf(field: z.ZodType): string {
  return field.safeParse('').error?.issues[0]?.message ?? 'must be set';
}

/** A value `field` accepts, to suggest: its default when it is plain text, else its first example. */
function exampleOf(field: z.ZodType): string | undefined {
  const byDefault = field.safeParse(undefined);
  if (
    byDefault.success &&
    (typeof byDefault.data === 'string' ||
      typeof byDefault.data === 'number' ||
      typeof byDefault.data === 'boolean')
  )
    return String(byDefault.data);
  for (
    let schema: z.core.$ZodType | undefined = field;
    schema !== undefined;
    schema = innerOf(schema)
  ) {
    const examples = z.globalRegistry.get(schema)?.['examples'];
    if (Array.isArray(examples) && typeof examples[0] === 'string') return examples[0];
  }
  return undefined;
}

/** What an optional, default or transform schema wraps; undefined for any other schema. */
function innerOf(schema: z.core.$ZodType): z.core.$ZodType | undefined {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return schema.unwrap();
  if (schema instanceof z.ZodPrefault) return schema.unwrap();
  if (schema instanceof z.ZodPipe) return schema.in;
  return undefined;
}
