import { loadConfig, type Config, type Env } from '../shared/config/config.js';
import { createLogger, type Logger } from '../shared/logging/logger.js';

/**
 * Runs a command-line entry point: validates the configuration first, then `body` with a logger at
 * LOG_LEVEL. Any failure, a bad variable included, is one fatal log line naming the problem and
 * exit code 1, not an uncaught stack trace.
 */
export async function runCli(
  component: string,
  env: Env,
  body: (config: Config, logger: Logger) => Promise<void>,
): Promise<void> {
  let logger = createLogger({ base: { component } });
  try {
    const config = loadConfig(env);
    logger = createLogger({ level: config.LOG_LEVEL, base: { component } });
    await body(config, logger);
  } catch (error) {
    logger.fatal(
      { err: error },
      `${component} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
}
