/**
 * The two places where we lean on the Functions Framework's private behaviour, held to it: when an
 * upgrade changes what a workaround relies on, these fail and say which file to revisit.
 */
import type { Domain } from 'node:domain';
import type { Server } from 'node:http';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { leaveRequestDomain } from '../../shared/http/leave-request-domain.js';
import { tolerateMalformedJsonBodies } from '../../shared/http/tolerate-malformed-json.js';
import { close, listen } from '../support/http-server.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => close(server)));
});

/** Registers `handler` as an HTTP function and serves it on a local port. */
async function serve(
  name: string,
  handler: (request: unknown, response: { json(body: unknown): void }) => void,
): Promise<string> {
  http(name, handler as Parameters<typeof http>[1]);
  const server = getTestServer(name);
  servers.push(server);
  return listen(server);
}

const inDomain = () => (process as { domain?: Domain | null }).domain != null;

describe('leave-request-domain.ts', () => {
  it('the framework still runs each request in a node:domain, and the wrapper leaves it', async () => {
    const plain = await serve('domain-probe', (_request, response) => {
      response.json({ inDomain: inDomain() });
    });
    const wrapped = await serve(
      'domain-left',
      leaveRequestDomain((_request: unknown, response: { json(body: unknown): void }) => {
        response.json({ inDomain: inDomain() });
      }),
    );
    expect(
      await (await fetch(plain)).json(),
      'The Functions Framework no longer runs a request inside a node:domain: ' +
        'shared/http/leave-request-domain.ts has nothing left to leave; remove it and run npm run bench',
    ).toEqual({ inDomain: true });
    expect(await (await fetch(wrapped)).json()).toEqual({ inDomain: false });
  });
});

describe('tolerate-malformed-json.ts', () => {
  it('a malformed JSON body reaches the function, with its raw body, instead of Express', async () => {
    tolerateMalformedJsonBodies();
    const url = await serve('json-probe', (request, response) => {
      const { rawBody } = request as { rawBody?: Buffer };
      response.json({ raw: rawBody?.toString('utf8') ?? null });
    });
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"symbols": [',
    });
    expect(
      answer.status,
      'The framework answered a malformed JSON body itself: it no longer builds its JSON parser ' +
        'from the body-parser module that shared/http/tolerate-malformed-json.ts patches; revisit it',
    ).toBe(200);
    expect(await answer.json()).toEqual({ raw: '{"symbols": [' });
  });
});
