import { resolve } from 'node:path';
import { z } from 'zod';
import { byFunction, FUNCTION_NAMES, type FunctionName } from '../function-names.js';
import { parseEnv, type Env } from './parse-env.js';
import { oneOf, port } from './value-rules.js';

/** A function's name as it may stand in a variable's name: `-` is not allowed there, `_` is. */
type Underscored<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}_${Underscored<Tail>}`
  : S;

/** The variable holding a function's local port. */
export type PortVariable<N extends FunctionName = FunctionName> =
  `${Uppercase<Underscored<N>>}_PORT`;

/** The variable holding a function's local port: `API_PORT` for `api`, `DELIVER_ALERTS_PORT` for `deliver-alerts`. */
export function portVariable<N extends FunctionName>(name: N): PortVariable<N> {
  // toUpperCase and replaceAll are typed as returning any string; for a FunctionName the result is
  // exactly the variable's name.
  return `${name.replaceAll('-', '_').toUpperCase() as Uppercase<Underscored<N>>}_PORT`;
}

/** The first function's port; each next one in the list takes the next port. */
const FIRST_PORT = 8080;

const portDefaults = (index: number) => port.default(FIRST_PORT + index);

// Object.fromEntries cannot know its keys; the map over the function list makes them every PortVariable.
const portsShape = Object.fromEntries(
  FUNCTION_NAMES.map((name, index) => [portVariable(name), portDefaults(index)]),
) as Record<PortVariable, ReturnType<typeof portDefaults>>;

/** Variables only the local stack (`npm start`, `npm run migrate` without DATABASE_URL) reads. */
export const localStackSchema = z.object({
  ...portsShape,
  LOCAL_DATA_DIR: z.string().min(1).default('.data'),
  LOCAL_PUBSUB: oneOf(['auto', 'emulator', 'direct']).default('auto'),
});

export interface LocalStackConfig {
  /** The port each function listens on. */
  ports: Record<FunctionName, number>;
  dataDir: string;
  postgresDir: string;
  pubsubMode: 'auto' | 'emulator' | 'direct';
}

/**
 * The local stack's configuration, read from `env` (tests pass their own).
 *
 * @throws ConfigError naming the first invalid variable.
 */
export function loadLocalStackConfig(env: Env = process.env): LocalStackConfig {
  const parsed = parseEnv(localStackSchema, env);
  const dataDir = resolve(parsed.LOCAL_DATA_DIR);
  return {
    ports: byFunction((name) => parsed[portVariable(name)]),
    dataDir,
    postgresDir: resolve(dataDir, 'postgres'),
    pubsubMode: parsed.LOCAL_PUBSUB,
  };
}
