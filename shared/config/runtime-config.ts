import { z } from 'zod';
import { parseEnv, type Env } from './parse-env.js';
import { port } from './value-rules.js';

/**
 * What the platform running the code sets, rather than a deployer: the Functions Framework's
 * FUNCTION_TARGET (the function an instance serves) and a container host's PORT (Cloud Run sets it).
 */
export const runtimeSchema = z.object({
  /** Unset when a local run names its target with --target instead. */
  FUNCTION_TARGET: z.string().min(1).optional(),
  PORT: port.default(8080),
});

export type RuntimeConfig = z.infer<typeof runtimeSchema>;

/**
 * The runtime's variables, read from `env` (tests pass their own).
 *
 * @throws ConfigError when PORT is not a port.
 */
export function loadRuntimeConfig(env: Env = process.env): RuntimeConfig {
  return parseEnv(runtimeSchema, env);
}
