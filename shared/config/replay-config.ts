import { z } from 'zod';
import { ingestionFragment, loggingFragment, pubsubFragment } from './fragments.js';
import { parseEnv, type Env } from './parse-env.js';

/** What `npm run replay` reads: where to publish (as ingest does), batch size and logging. */
export const replayConfigSchema = z.object({
  ...pubsubFragment,
  ...loggingFragment,
  PUBLISH_BATCH_SIZE: ingestionFragment.PUBLISH_BATCH_SIZE,
});

export type ReplayConfig = z.infer<typeof replayConfigSchema>;

/**
 * The replay command's configuration, read from `env`.
 *
 * @throws ConfigError naming the first invalid variable.
 */
export function loadReplayConfig(env: Env = process.env): ReplayConfig {
  return parseEnv(replayConfigSchema, env);
}
