import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** A /stream response being read: its events so far, and ways to wait for more. */
export interface SseStream {
  status: number;
  headers: Headers;
  events: EventSourceMessage[];
  /** Comments (heartbeats) seen so far. */
  comments: string[];
  /** Resolves once `predicate` holds for the events read so far, or rejects after `timeoutMs`. */
  until(predicate: (events: EventSourceMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves once the server says the stream is live (its `: live after …` comment). */
  live(): Promise<void>;
  /** Whether the server has ended the stream. */
  ended(): boolean;
  close(): Promise<void>;
}

/** Reads `response`'s body as Server-Sent Events, in the background, until closed or ended. */
export function readSse(response: Response): SseStream {
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  let done = false;
  let changed: (() => void) | undefined;
  const parser = createParser({
    onEvent: (event) => {
      events.push(event);
      changed?.();
    },
    onComment: (comment) => {
      comments.push(comment);
      changed?.();
    },
  });
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (chunk === undefined || chunk.done) break;
        parser.feed(decoder.decode(chunk.value as Uint8Array, { stream: true }));
      }
    } catch {
      // Cancelled by close().
    } finally {
      done = true;
      changed?.();
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    ended: () => done,
    live() {
      return this.until(() =>
        comments.some((comment) => comment.trimStart().startsWith('live after')),
      );
    },
    async until(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (done) throw new Error(`the stream ended first; events: ${JSON.stringify(events)}`);
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(
            `timed out after ${timeoutMs} ms; events: ${JSON.stringify(events.slice(-5))}`,
          );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          changed = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    close: async () => {
      await reader?.cancel().catch(() => undefined);
    },
  };
}

/** The trades of `events`, as the stream sent them. */
export const tradesOf = (events: EventSourceMessage[]) =>
  events
    .filter((event) => event.event === 'trade')
    .map((event) => ({
      id: event.id ?? '',
      ...(JSON.parse(event.data) as { trade_id: string; symbol: string; price: string }),
    }));
