import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields added to every log line written while handling one request or message. */
export type LogContext = Record<string, string | number | boolean | undefined>;

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `context` attached to every log line it (and everything it awaits) writes. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

/** The fields of the request or message being handled, if any. */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
