import type { Env } from '../shared/config/config.js';
import { ConfigError } from '../shared/config/config-error.js';
import type { LogLevel } from '../shared/config/fragments.js';
import { createLogger, type Logger } from '../shared/logging/logger.js';

/** A command-line entry point: how operators call it and what configuration it reads. */
export interface CliDefinition<C> {
  /** Names the command in its messages and logs, e.g. `provision`. */
  name: string;
  /** How an operator runs it, e.g. `npm run provision`; the arguments it was given are added. */
  command: string;
  /** Reads and validates the variables this command reads, and no others. */
  load: (env: Env) => C;
}

/**
 * Runs a command-line entry point: validates its configuration first, then `body` with a logger at
 * LOG_LEVEL. A configuration error, whenever it is found, is one plain line saying which variable
 * is wrong and how to set it; any other failure is one fatal log line. Either way, exit code 1 and
 * no uncaught stack trace.
 */
export async function runCli<C extends { LOG_LEVEL: LogLevel }>(
  cli: CliDefinition<C>,
  env: Env,
  body: (config: C, logger: Logger) => Promise<void>,
): Promise<void> {
  let logger = createLogger({ base: { component: cli.name } });
  try {
    const config = cli.load(env);
    logger = createLogger({ level: config.LOG_LEVEL, base: { component: cli.name } });
    await body(config, logger);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${configErrorLine(cli, error, process.argv.slice(2))}\n`);
    } else {
      logger.fatal(
        { err: error },
        `${cli.name} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    process.exit(1);
  }
}

/**
 * The one line a configuration error prints: the variable, what is wrong, and the command line that
 * would set it, e.g. `provision: GOOGLE_CLOUD_PROJECT is required: must be a project id (got
 * nothing). Set it in the environment, e.g. GOOGLE_CLOUD_PROJECT=my-project npm run provision --
 * --dry-run; every variable is described in .env.example.`
 */
export function configErrorLine(
  cli: Pick<CliDefinition<unknown>, 'name' | 'command'>,
  error: ConfigError,
  args: readonly string[],
): string {
  const command =
    args.length === 0 ? cli.command : `${cli.command} -- ${args.map(shellWord).join(' ')}`;
  const assignment = `${error.variable}=${shellWord(error.example ?? '...')}`;
  return `${cli.name}: ${oneLine(`${error.variable} ${error.problem}`)}. Set it in the environment, e.g. ${assignment} ${command}; every variable is described in .env.example.`;
}

/** `word`, quoted for a POSIX shell when it holds anything a shell would read specially. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A value may hold a line break (a pasted variable); the message stays on one line. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}
