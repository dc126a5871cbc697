/**
 * A local stand-in for Binance spot's REST API, answering `GET /api/v3/aggTrades` in its documented
 * format from a fixture (fromId / startTime / limit, the X-MBX-USED-WEIGHT-1M header, the
 * `{"code","msg"}` error body for an unknown pair), with scripted answers queued in front for the
 * failures a test wants (429, 418, 451, 5xx, malformed JSON).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { close, listen } from './http-server.js';

export interface FixtureAggTrade {
  a: number;
  p: string;
  q: string;
  f: number;
  l: number;
  T: number;
  m: boolean;
  M: boolean;
}

/** An answer given instead of the fixture's, once. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface FakeBinance {
  url: string;
  /** The query of every aggTrades request, in order. */
  requests: URLSearchParams[];
  /** Queues answers given, in order, to the next requests. */
  script(...answers: ScriptedAnswer[]): void;
  /** Forgets the requests seen and the answers still queued. */
  reset(): void;
  close(): Promise<void>;
}

export const aggTradesFixture = (
  JSON.parse(
    readFileSync(new URL('../fixtures/binance/agg-trades.json', import.meta.url), 'utf8'),
  ) as { trades: FixtureAggTrade[] }
).trades;

/** Weight Binance's documentation gives GET /api/v3/aggTrades. */
const REQUEST_WEIGHT = 4;

/** Serves `tradesByPair` (default: every pair but those named in `unknown` trades the fixture). */
export async function startFakeBinance({
  unknown = [],
}: { unknown?: string[] } = {}): Promise<FakeBinance> {
  const requests: URLSearchParams[] = [];
  const queue: ScriptedAnswer[] = [];
  let usedWeight = 0;
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    if (url.pathname !== '/api/v3/aggTrades') {
      response.writeHead(404).end();
      return;
    }
    requests.push(url.searchParams);
    usedWeight += REQUEST_WEIGHT;
    const scripted = queue.shift();
    if (scripted !== undefined) {
      response.writeHead(scripted.status, {
        'content-type': 'application/json',
        ...scripted.headers,
      });
      response.end(scripted.body);
      return;
    }
    const headers = {
      'content-type': 'application/json;charset=UTF-8',
      'x-mbx-used-weight-1m': String(usedWeight),
    };
    const pair = url.searchParams.get('symbol') ?? '';
    if (unknown.includes(pair)) {
      response.writeHead(400, headers).end('{"code":-1121,"msg":"Invalid symbol."}');
      return;
    }
    const fromId = url.searchParams.get('fromId');
    const startTime = url.searchParams.get('startTime');
    const limit = Number(url.searchParams.get('limit') ?? 500);
    const page = aggTradesFixture
      .filter((trade) =>
        fromId !== null
          ? trade.a >= Number(fromId)
          : startTime !== null
            ? trade.T >= Number(startTime)
            : true,
      )
      .slice(0, limit);
    response.writeHead(200, headers).end(JSON.stringify(page));
  });
  const url = await listen(server);
  return {
    url,
    requests,
    script: (...answers) => queue.push(...answers),
    reset: () => {
      requests.length = 0;
      queue.length = 0;
    },
    close: () => close(server),
  };
}
