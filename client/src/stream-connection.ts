import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { errorFromResponse, MarketDataError, retryAfterSeconds } from './errors.js';
import { toStreamEvent, type StreamEvent } from './stream-events.js';

/** How one connection to /stream ended, which decides what the subscription does next. */
export type ConnectionOutcome =
  /** The api said `end`: reconnect at once. */
  | { kind: 'end'; lastedMs: number }
  /** Worth another attempt after a wait: a network failure, a cut or silent connection, 429, 5xx. */
  | {
      kind: 'retry';
      reason: 'closed' | 'network' | 'idle' | 'status';
      error?: unknown;
      retryAfterMs?: number;
    }
  /** Another attempt would get the same answer (4xx, not the api), or the handler threw: stop. */
  | { kind: 'fatal'; error: MarketDataError }
  /** The subscription was closed meanwhile. */
  | { kind: 'stopped' };

export interface ConnectionState {
  url: string;
  headers: Record<string, string>;
  fetch: typeof globalThis.fetch;
  /** Aborted when the subscription closes. */
  signal: AbortSignal;
  idleTimeoutMs: number;
  onEvent: (event: StreamEvent) => void | Promise<void>;
  /** Where to resume; updated once an event carrying an id has been handled. */
  lastEventId: string | undefined;
  /** The api's `retry:`, in ms, once it sent one. */
  retryMs: number | undefined;
  /** Told once the api accepted the connection (the subscription resets its backoff). */
  onOpen: () => void;
}

const isRetriableStatus = (status: number) => status === 429 || status >= 500;

/**
 * One GET /stream: sends Last-Event-ID, hands each event to `onEvent` in order (awaiting it, so a
 * slow handler slows the reading rather than queueing without bound), and records the last id only
 * after its event was handled. Gives up on a connection silent for `idleTimeoutMs` (the api sends
 * a heartbeat every 15 s).
 */
export async function runConnection(state: ConnectionState): Promise<ConnectionOutcome> {
  const connection = new AbortController();
  const abort = () => {
    connection.abort();
  };
  state.signal.addEventListener('abort', abort);
  const idle = { timer: undefined as ReturnType<typeof setTimeout> | undefined, fired: false };
  const touch = () => {
    clearTimeout(idle.timer);
    idle.timer = setTimeout(() => {
      idle.fired = true;
      connection.abort();
    }, state.idleTimeoutMs);
  };
  const failed = (error: unknown): ConnectionOutcome =>
    state.signal.aborted
      ? { kind: 'stopped' }
      : { kind: 'retry', reason: idle.fired ? 'idle' : 'network', error };
  try {
    touch();
    const headers: Record<string, string> = { ...state.headers, Accept: 'text/event-stream' };
    if (state.lastEventId !== undefined) headers['Last-Event-ID'] = state.lastEventId;
    let response: Response;
    try {
      // Called unbound: a browser's fetch called as a method of another object (state.fetch(...))
      // throws "Illegal invocation".
      const { fetch } = state;
      response = await fetch(state.url, { headers, signal: connection.signal });
    } catch (error) {
      return failed(error);
    }
    if (!response.ok) {
      const error = await errorFromResponse(response);
      if (!isRetriableStatus(response.status)) return { kind: 'fatal', error };
      const retryAfter = retryAfterSeconds(response.headers);
      return {
        kind: 'retry',
        reason: 'status',
        error,
        ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter * 1_000 }),
      };
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.body === null || !type.includes('text/event-stream')) {
      await response.body?.cancel().catch(() => undefined);
      return {
        kind: 'fatal',
        error: new MarketDataError({
          status: response.status,
          code: 'unexpected_response',
          message: `GET /stream answered ${response.status} with ${type || 'no content type'}, not text/event-stream`,
          requestId: response.headers.get('x-request-id') ?? undefined,
        }),
      };
    }
    state.onOpen();
    return await readEvents(response.body, state, touch, failed);
  } finally {
    clearTimeout(idle.timer);
    state.signal.removeEventListener('abort', abort);
    connection.abort();
  }
}

async function readEvents(
  body: ReadableStream<Uint8Array>,
  state: ConnectionState,
  touch: () => void,
  failed: (error: unknown) => ConnectionOutcome,
): Promise<ConnectionOutcome> {
  const openedAt = Date.now();
  const messages: EventSourceMessage[] = [];
  const parser = createParser({
    onEvent: (message) => messages.push(message),
    onRetry: (ms) => {
      state.retryMs = ms;
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return state.signal.aborted ? { kind: 'stopped' } : retryClosed;
      touch();
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      for (const message of messages.splice(0)) {
        if (state.signal.aborted) return { kind: 'stopped' };
        const outcome = await deliver(message, state);
        if (outcome === 'end') return { kind: 'end', lastedMs: Date.now() - openedAt };
        if (outcome !== undefined) return outcome;
      }
    }
  } catch (error) {
    return failed(error);
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

const retryClosed: ConnectionOutcome = { kind: 'retry', reason: 'closed' };

/** Hands one message to the subscriber; says `end` on the api's end event. */
async function deliver(
  message: EventSourceMessage,
  state: ConnectionState,
): Promise<'end' | ConnectionOutcome | undefined> {
  let event: StreamEvent | undefined;
  try {
    event = toStreamEvent(message);
  } catch {
    // Data that is not JSON: not the api's. Skipped like an unknown event; its id still counts.
    event = undefined;
  }
  if (event !== undefined) {
    try {
      await state.onEvent(event);
    } catch (error) {
      return {
        kind: 'fatal',
        error: new MarketDataError({
          status: 0,
          code: 'handler_failed',
          message: `onEvent threw on a ${event.type} event; the subscription stopped before it`,
          cause: error,
        }),
      };
    }
  }
  // An empty id resets the position, as in EventSource.
  if (message.id !== undefined) state.lastEventId = message.id === '' ? undefined : message.id;
  return event?.type === 'end' ? 'end' : undefined;
}
