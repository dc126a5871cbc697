import { createServer } from 'node:http';
import { close, listen } from './http-server.js';

/** One POST the webhook received, with the status it answered. */
export interface WebhookCall {
  body: unknown;
  contentType: string | undefined;
  status: number;
}

export interface RecordingWebhook {
  url: string;
  calls: WebhookCall[];
  /** The status to answer a body with (200 by default): a test makes the webhook fail for some
   * alerts, or answer late (a promise) to keep a send in flight. */
  answer: (body: unknown) => number | Promise<number>;
  stop(): Promise<void>;
}

/**
 * A local stand-in for a Slack incoming webhook: records every JSON body posted and answers `ok`
 * (Slack's own answer), or the status `answer` picks, e.g. 500 for an outage.
 */
export async function startRecordingWebhook(): Promise<RecordingWebhook> {
  const webhook: RecordingWebhook = {
    url: '',
    calls: [],
    answer: () => 200,
    stop: () => close(server),
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      void Promise.resolve(webhook.answer(body)).then((status) => {
        webhook.calls.push({ body, contentType: request.headers['content-type'], status });
        response.writeHead(status, { 'content-type': 'text/plain' });
        response.end(status === 200 ? 'ok' : 'internal_error');
      });
    });
  });
  webhook.url = `${await listen(server)}/services/T000/B000/XXXX`;
  return webhook;
}
