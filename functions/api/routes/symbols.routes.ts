import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDeps, AppEnv } from '../app-env.js';
import { errorResponse, commonErrors } from '../schemas/common.schemas.js';
import { symbolRowSchema } from '../schemas/symbol.schemas.js';
import { listActiveSymbols } from './symbols.queries.js';

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

export function registerSymbolsRoutes(app: OpenAPIHono<AppEnv>, { sql }: ApiDeps) {
  app.openapi(symbolsRoute, async (c) => {
    const symbols = await listActiveSymbols(sql);
    return c.json({ symbols, count: symbols.length }, 200);
  });
}
