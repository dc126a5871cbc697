import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AppError } from '../../../../shared/http/app-error.js';
import { SERVICE } from '../../../../shared/service-info.js';
import type { ApiFeature } from '../../lib/api-feature.js';

const OPENAPI_PATH = '/openapi.json';
const DOCS_PATH = '/docs';

/** Swagger UI's files, served from the npm package: the docs page needs no CDN (nor internet). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};
const SWAGGER_UI_DIR = dirname(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
);

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${SERVICE.name} API</title>
  <link rel="stylesheet" href="${DOCS_PATH}/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/assets/swagger-ui-bundle.js"></script>
  <script>window.ui = SwaggerUIBundle({ url: '${OPENAPI_PATH}', dom_id: '#swagger-ui' });</script>
</body>
</html>`;

/**
 * `/openapi.json`, generated from the zod schemas that validate the requests, and the `/docs` page:
 * open to anyone, since they only describe the api (admin routes included: knowing they exist
 * grants nothing).
 */
export const docsFeature: ApiFeature = {
  index: { openapi: OPENAPI_PATH, docs: DOCS_PATH },
  openPaths: [OPENAPI_PATH, DOCS_PATH, `${DOCS_PATH}/assets/*`],
  register(app) {
    app.doc(OPENAPI_PATH, {
      openapi: '3.0.3',
      info: {
        title: `${SERVICE.name} API`,
        version: SERVICE.version,
        description:
          'Prices, trades and ingestion status of the market-data platform. Decimals are exact: ' +
          'strings everywhere, except where the Phase 1 contract promised numbers (price and volume of ' +
          'GET /price/latest?symbol=), which are JSON numbers written with the stored digits. ' +
          'Timestamps are UTC ISO 8601; every error is one envelope ' +
          '{error, message, detail, details, status, request_id}.',
      },
    });
    const assets = new Map<string, Promise<Buffer>>();
    app.get(DOCS_PATH, (c) => c.html(DOCS_PAGE));
    app.get(`${DOCS_PATH}/assets/:file`, async (c) => {
      const file = c.req.param('file');
      const type = ASSETS[file];
      if (type === undefined) throw new AppError(404, 'not_found', `No asset ${file}`);
      let body = assets.get(file);
      if (body === undefined) {
        body = readFile(join(SWAGGER_UI_DIR, file));
        assets.set(file, body);
      }
      return c.body(new Uint8Array(await body), 200, {
        'content-type': type,
        'cache-control': 'public, max-age=86400',
      });
    });
  },
};
