import { describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { createSql } from '../../shared/db/client.js';
import { captureLogger } from '../support/capture-logger.js';

// The document and the docs page never touch the database: an unreachable one proves it.
const app = createApp({
  sql: createSql({
    DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
    DB_POOL_MAX: 1,
    DB_CONNECT_TIMEOUT_SECONDS: 1,
  }),
  logger: captureLogger().logger,
});

interface Operation {
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
type Document = {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

const document = async () => (await (await app.request('/openapi.json')).json()) as Document;

describe('GET /openapi.json', () => {
  it('documents every route with every response it can give, errors included', async () => {
    const doc = await document();
    expect(doc.openapi).toBe('3.0.3');
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, op]) =>
          [`${method.toUpperCase()} ${path}`, Object.keys(op.responses).sort()] as const,
      ),
    );
    expect(Object.fromEntries(operations)).toEqual({
      'GET /': ['200', '500'],
      'GET /health': ['200', '500', '503'],
      'GET /symbols': ['200', '500', '503'],
      'GET /price/latest': ['200', '400', '404', '500', '503'],
      'POST /price/latest': ['200', '400', '413', '500', '503'],
      'GET /trades': ['200', '400', '404', '500', '503'],
      'GET /candles': ['200', '400', '404', '500', '503'],
      'GET /indicators': ['200', '400', '404', '500', '503'],
      'GET /stream': ['200', '400', '404', '500', '503'],
      'GET /status/ingestion': ['200', '500', '503'],
      'GET /metrics': ['200', '500'],
      'POST /symbols': ['201', '400', '401', '403', '409', '413', '500', '503'],
      'PATCH /symbols/{symbol}': ['200', '400', '401', '403', '404', '413', '500', '503'],
      'DELETE /symbols/{symbol}': ['200', '400', '401', '403', '404', '500', '503'],
      'GET /anomalies': ['200', '400', '404', '500', '503'],
      'GET /admin/rejected': ['200', '400', '401', '403', '500', '503'],
      'GET /admin/alert-rules': ['200', '401', '403', '500', '503'],
      'PUT /admin/alert-rules': ['200', '400', '401', '403', '404', '413', '500', '503'],
    });
    // Error responses share one envelope schema.
    const tradesErrors =
      doc.paths['/trades']?.get?.responses['400']?.content?.['application/json']?.schema;
    expect(tradesErrors).toEqual({ $ref: '#/components/schemas/Error' });
    expect(doc.components.schemas.Error).toMatchObject({
      required: expect.arrayContaining(['error', 'message', 'status', 'request_id']) as unknown,
    });
  });

  it('describes the query parameters from the same zod schemas that validate them', async () => {
    const doc = await document();
    const parameters = doc.paths['/trades']?.get?.parameters ?? [];
    expect(parameters.map((p) => [p.name, p.in, p.required ?? false])).toEqual([
      ['symbol', 'query', true],
      ['start', 'query', false],
      ['end', 'query', false],
      ['limit', 'query', false],
      ['order', 'query', false],
      ['cursor', 'query', false],
      ['as_of', 'query', false],
    ]);
    expect(doc.paths['/price/latest']?.post?.requestBody).toBeDefined();
  });
});

describe('the admin routes in the document', () => {
  interface SecuredOperation extends Operation {
    security?: Record<string, string[]>[];
  }
  type SecuredDocument = {
    paths: Record<string, Record<string, SecuredOperation>>;
    components: { securitySchemes?: Record<string, unknown> };
  };

  it('declare the X-API-Key scheme they need; the read routes need none by default', async () => {
    const doc = (await document()) as unknown as SecuredDocument;
    expect(doc.components.securitySchemes).toEqual({
      ApiKey: expect.objectContaining({
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
      }) as unknown,
    });
    for (const [path, method] of [
      ['/symbols', 'post'],
      ['/symbols/{symbol}', 'patch'],
      ['/symbols/{symbol}', 'delete'],
      ['/admin/rejected', 'get'],
      ['/admin/alert-rules', 'get'],
      ['/admin/alert-rules', 'put'],
    ] as const)
      expect(doc.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([{ ApiKey: [] }]);
    expect(doc.paths['/symbols']?.get?.security).toBeUndefined();
  });

  it('describe their parameters and bodies from the validating schemas', async () => {
    const doc = await document();
    const patch = doc.paths['/symbols/{symbol}']?.patch;
    expect(patch?.parameters?.map((p) => [p.name, p.in, p.required ?? false])).toEqual([
      ['symbol', 'path', true],
    ]);
    expect(patch?.requestBody).toBeDefined();
    expect(doc.paths['/symbols']?.post?.requestBody).toBeDefined();
    expect(
      doc.paths['/admin/rejected']?.get?.parameters?.map((p) => [
        p.name,
        p.in,
        p.required ?? false,
      ]),
    ).toEqual([['limit', 'query', false]]);
    expect(doc.components.schemas.RejectedMessage).toBeDefined();
  });

  it("document each symbol's source: in the Symbol schema and in the admin bodies", async () => {
    const doc = await document();
    const symbol = doc.components.schemas.Symbol as { properties: Record<string, unknown> };
    expect(Object.keys(symbol.properties)).toEqual(
      expect.arrayContaining(['source', 'source_symbol', 'source_stopped']),
    );
    expect(symbol.properties.source).toMatchObject({ enum: ['synthetic', 'binance'] });
    type Body = { content: { 'application/json': { schema: { properties: object } } } };
    for (const [path, method] of [
      ['/symbols', 'post'],
      ['/symbols/{symbol}', 'patch'],
    ] as const) {
      const body = doc.paths[path]?.[method]?.requestBody as Body;
      expect(Object.keys(body.content['application/json'].schema.properties)).toEqual(
        expect.arrayContaining(['source', 'source_symbol']),
      );
    }
  });
});

describe('GET /docs', () => {
  it('serves an interactive page whose Swagger UI assets come from this service, not a CDN', async () => {
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("url: '/openapi.json'");
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets).toEqual(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js']);
    for (const asset of assets) {
      const response = await app.request(asset);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
    expect(
      (await app.request('/docs/assets/swagger-ui-bundle.js')).headers.get('content-type'),
    ).toMatch(/javascript/);
  });

  it('refuses any other asset name with the envelope, including path tricks', async () => {
    for (const path of [
      '/docs/assets/package.json',
      '/docs/assets/..%2F..%2Fpackage.json',
      '/docs/assets/%2e%2e',
    ]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ status: 404 });
    }
  });
});
