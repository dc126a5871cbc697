import { createServer, type Server } from 'node:http';
import { close, listen } from './http-server.js';

/** One push the emulator made, as persist answered it. */
export interface RecordedPush {
  messageId: string | undefined;
  status: number;
  /** Date.now() when the push arrived and when persist had answered it. */
  startedAt: number;
  endedAt: number;
}

export interface PushRecorder {
  /** Base URL to give the push subscription (the path is passed on to persist unchanged). */
  url: string;
  pushes: RecordedPush[];
  /** The pushes of one message, in arrival order. */
  of(messageId: string): RecordedPush[];
  stop(): Promise<void>;
}

/**
 * A pass-through HTTP server between the Pub/Sub emulator and persist that notes every push and
 * persist's status: a test can then tell an acknowledged message (2xx, delivered once) from a
 * refused one (5xx, delivered again). It changes nothing in the request or the answer.
 */
export async function startPushRecorder(target: string): Promise<PushRecorder> {
  const pushes: RecordedPush[] = [];
  const server: Server = createServer((request, response) => {
    const startedAt = Date.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      void (async () => {
        let status = 502;
        let answer: Buffer = Buffer.from('persist did not answer');
        try {
          const forwarded = await fetch(`${target}${request.url ?? '/'}`, {
            method: request.method ?? 'POST',
            headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
            body,
          });
          status = forwarded.status;
          answer = Buffer.from(await forwarded.arrayBuffer());
        } catch {
          // persist is down or closed the connection: the emulator sees a 502 and redelivers.
        }
        pushes.push({ messageId: messageIdOf(body), status, startedAt, endedAt: Date.now() });
        response.writeHead(status).end(answer);
      })();
    });
  });
  const url = await listen(server);
  return {
    url,
    pushes,
    of: (messageId) => pushes.filter((push) => push.messageId === messageId),
    stop: () => close(server),
  };
}

function messageIdOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { message?: { messageId?: unknown } };
    const id = parsed.message?.messageId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
