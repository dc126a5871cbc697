import { pino, type Logger, type LevelWithSilent } from 'pino';
import { currentLogContext } from './log-context.js';

export type { Logger } from 'pino';

/** Cloud Logging's severities for pino's levels. */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Where lines go; stdout unless a test wants to read them. */
  destination?: pino.DestinationStream;
  /** Fixed fields on every line, such as the function's name. */
  base?: Record<string, string>;
}

/**
 * One JSON object per line in Cloud Logging's structured format: `severity`, `message`, `time`,
 * the fixed `base` fields and the current request's context (request id, message id...).
 *
 * @example createLogger({ base: { function: 'persist' } }).info({ trades: 20 }, 'batch stored')
 */
export function createLogger({
  level = 'info',
  destination,
  base = {},
}: LoggerOptions = {}): Logger {
  return pino(
    {
      level,
      base,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }),
      },
      // A copy: pino merges each line's own fields into what mixin returns, which would otherwise be
      // the request's context itself, and a field of one line would turn up on every later line.
      mixin: () => ({ ...currentLogContext() }),
      serializers: { err: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
