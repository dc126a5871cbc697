/**
 * How one Binance request is classified, against a local server answering as Binance does: which
 * answers wait, which stop a symbol for good, which are retried. Through real HTTP, no internet.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestAggTrades } from '../../functions/ingest/sources/binance/binance-request.js';
import { close, listen } from '../support/http-server.js';

let server: Server;
let base: string;
let answers: { status: number; headers?: Record<string, string>; body: string }[] = [];
let requests = 0;

beforeAll(async () => {
  server = createServer((_request, response) => {
    requests++;
    const answer = answers.shift() ?? { status: 200, body: '[]' };
    response.writeHead(answer.status, answer.headers).end(answer.body);
  });
  base = await listen(server);
});
afterAll(() => close(server));

const ask = (given: typeof answers, retries = 2) => {
  answers = given;
  requests = 0;
  return requestAggTrades(
    { symbol: 'BTCUSDT' },
    { baseUrl: base, timeoutMs: 2_000, maxRetries: retries, retryBaseMs: 1 },
  );
};

describe('requestAggTrades', () => {
  it('reads a page and the weight Binance reports', async () => {
    const answer = await ask([
      {
        status: 200,
        headers: { 'x-mbx-used-weight-1m': '42' },
        body: '[{"a":1,"p":"10.50000000","q":"0.001","f":1,"l":1,"T":1,"m":true,"M":true}]',
      },
    ]);
    expect(answer).toEqual({
      kind: 'page',
      trades: [{ a: 1, p: '10.50000000', q: '0.001', T: 1 }],
      usedWeight: 42,
    });
  });

  it('reads Retry-After as seconds or as an HTTP date, and waits a minute without one', async () => {
    expect(await ask([{ status: 429, headers: { 'retry-after': '30' }, body: '' }])).toMatchObject({
      kind: 'wait',
      retryAfterMs: 30_000,
    });
    const date = new Date(Date.now() + 120_000).toUTCString();
    const dated = await ask([{ status: 418, headers: { 'retry-after': date }, body: '' }]);
    expect(dated.kind === 'wait' && dated.retryAfterMs).toBeGreaterThan(100_000);
    expect(await ask([{ status: 429, body: '' }])).toMatchObject({ retryAfterMs: 60_000 });
    expect(requests).toBe(1); // never retried: asking again is what Binance bans for
  });

  it.each([
    [403, 'failed'], // Binance's firewall: a limit, which heals
    [408, 'failed'],
    [404, 'refused'],
    [400, 'refused'],
    [451, 'refused'],
    [500, 'failed'],
    [504, 'failed'],
  ])('classifies HTTP %i as %s', async (status, kind) => {
    expect((await ask([0, 1, 2].map(() => ({ status, body: '' })))).kind).toBe(kind);
    expect(requests).toBe(kind === 'failed' ? 3 : 1);
  });

  it('says when nothing answers', async () => {
    const gone = createServer();
    const url = await listen(gone);
    await close(gone);
    const answer = await requestAggTrades(
      { symbol: 'BTCUSDT' },
      { baseUrl: url, timeoutMs: 500, maxRetries: 0, retryBaseMs: 1 },
    );
    expect(answer).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(/^binance did not answer: .*ECONNREFUSED/) as unknown,
    });
  });
});
