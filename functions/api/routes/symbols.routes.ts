import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDeps, AppEnv } from '../app-env.js';
import { errorResponse, timestampString, commonErrors } from '../schemas/common.schemas.js';

const symbolRowSchema = z
  .object({
    symbol: z.string(),
    name: z.string(),
    active: z.boolean(),
    created_at: timestampString,
  })
  .openapi('Symbol');

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
    const rows = await sql<{ symbol: string; name: string; active: boolean; created_at: Date }[]>`
      select symbol, name, active, created_at from symbols where active order by symbol`;
    const symbols = rows.map((row) => ({ ...row, created_at: row.created_at.toISOString() }));
    return c.json({ symbols, count: symbols.length }, 200);
  });
}
