import { createRoute, z } from '@hono/zod-openapi';
import { listActiveSymbols } from '../../../../shared/symbols/symbols.queries.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { errorResponse, commonErrors } from '../../schemas/common.schemas.js';
import { symbolJson, symbolRowSchema } from './symbol.schemas.js';

export const symbolsRoute = createRoute({
  method: 'get',
  path: '/symbols',
  summary: 'Symbols currently traded',
  responses: {
    ...commonErrors,
    200: {
      description: 'Active symbols, alphabetically',
      content: {
        'application/json': {
          schema: z.object({ symbols: z.array(symbolRowSchema), count: z.number().int() }),
        },
      },
    },
    503: errorResponse('The database is unreachable'),
  },
});

/** GET /symbols: the symbols ingest trades. */
export const symbolsFeature: ApiFeature = {
  index: { symbols: '/symbols' },
  register(app, { reader }) {
    app.openapi(symbolsRoute, async (c) => {
      const symbols = (await listActiveSymbols(reader())).map(symbolJson);
      return c.json({ symbols, count: symbols.length }, 200);
    });
  },
};
