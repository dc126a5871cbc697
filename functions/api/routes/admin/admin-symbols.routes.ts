import { createRoute, z } from '@hono/zod-openapi';
import { AppError, symbolNotFound } from '../../../../shared/http/app-error.js';
import { createSymbol, updateSymbol } from '../../../../shared/symbols/symbols.queries.js';
import { adminActor } from '../../lib/admin-actor.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { requireRole } from '../../middleware/api-key-auth.js';
import { errorResponse, symbolSchema } from '../../schemas/common.schemas.js';
import { adminErrors, apiKeySecurity } from '../../schemas/security.schemas.js';
import {
  checkSource,
  sourceSchema,
  sourceSymbolSchema,
  symbolJson,
  symbolNameSchema,
  symbolRowSchema,
} from '../symbols/symbol.schemas.js';

const symbolResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: symbolRowSchema } },
});

const symbolParams = z.object({
  symbol: symbolSchema.openapi({ param: { name: 'symbol', in: 'path' } }),
});

const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const createSymbolRoute = createRoute({
  method: 'post',
  path: '/symbols',
  summary: 'Add a symbol (admin): the next ingest run starts trading it',
  security: apiKeySecurity,
  middleware: [requireRole('admin')] as const,
  request: {
    body: jsonBody(
      z
        .strictObject({
          symbol: symbolSchema,
          name: symbolNameSchema,
          active: z.boolean().optional().openapi({ description: 'Default true' }),
          source: sourceSchema.optional().openapi({ description: 'Default synthetic' }),
          source_symbol: sourceSymbolSchema.optional(),
        })
        .superRefine(checkSource),
    ),
  },
  responses: {
    ...adminErrors,
    201: symbolResponse('Created'),
    400: errorResponse('Malformed body'),
    409: errorResponse('The symbol exists already (PATCH it to rename or reactivate)'),
    413: errorResponse('Body too large'),
  },
});

export const updateSymbolRoute = createRoute({
  method: 'patch',
  path: '/symbols/{symbol}',
  summary:
    'Rename, activate, deactivate or change the source of a symbol (admin); a new source or active: true restarts a stopped one',
  security: apiKeySecurity,
  middleware: [requireRole('admin')] as const,
  request: {
    params: symbolParams,
    body: jsonBody(
      z
        .strictObject({
          name: symbolNameSchema.optional(),
          active: z.boolean().optional(),
          source: sourceSchema.optional(),
          source_symbol: sourceSymbolSchema.optional(),
        })
        .refine(
          (body) =>
            body.name !== undefined || body.active !== undefined || body.source !== undefined,
          { message: 'give name, active, source (with source_symbol) or several', path: ['name'] },
        )
        .superRefine(checkSource),
    ),
  },
  responses: {
    ...adminErrors,
    200: symbolResponse('The symbol as it now is'),
    400: errorResponse('Malformed symbol or body'),
    404: errorResponse('Unknown symbol'),
    413: errorResponse('Body too large'),
  },
});

export const deleteSymbolRoute = createRoute({
  method: 'delete',
  path: '/symbols/{symbol}',
  summary: 'Deactivate a symbol (admin): ingest stops trading it; its trades are kept',
  security: apiKeySecurity,
  middleware: [requireRole('admin')] as const,
  request: { params: symbolParams },
  responses: {
    ...adminErrors,
    200: symbolResponse('The symbol, now inactive'),
    400: errorResponse('Malformed symbol'),
    404: errorResponse('Unknown symbol'),
  },
});

/** POST /symbols, PATCH and DELETE /symbols/{symbol}: an admin key manages what ingest trades. */
export const adminSymbolsFeature: ApiFeature = {
  index: {
    admin_symbols: 'POST /symbols, PATCH|DELETE /symbols/{symbol} (X-API-Key of the admin role)',
  },
  register(app, { sql, logger }) {
    app.openapi(createSymbolRoute, async (c) => {
      const { source_symbol: sourceSymbol, ...body } = c.req.valid('json');
      const record = await createSymbol(sql, { ...body, sourceSymbol });
      if (record === undefined)
        throw new AppError(409, 'symbol_exists', `Symbol ${body.symbol} exists already`);
      const created = symbolJson(record);
      logger.info({ ...(await adminActor(c)), ...created }, `symbol ${created.symbol} created`);
      return c.json(created, 201);
    });

    app.openapi(updateSymbolRoute, async (c) => {
      const { symbol } = c.req.valid('param');
      const changes = c.req.valid('json');
      const { source_symbol: sourceSymbol, ...rest } = changes;
      const record = await updateSymbol(sql, symbol, {
        ...rest,
        // A new source replaces the old one's instrument name; synthetic has none.
        ...(changes.source === undefined ? {} : { sourceSymbol: sourceSymbol ?? null }),
      });
      if (record === undefined) throw symbolNotFound([symbol]);
      const updated = symbolJson(record);
      logger.info({ ...(await adminActor(c)), ...updated, changes }, `symbol ${symbol} updated`);
      return c.json(updated, 200);
    });

    app.openapi(deleteSymbolRoute, async (c) => {
      const { symbol } = c.req.valid('param');
      const record = await updateSymbol(sql, symbol, { active: false });
      if (record === undefined) throw symbolNotFound([symbol]);
      const deactivated = symbolJson(record);
      logger.info({ ...(await adminActor(c)), ...deactivated }, `symbol ${symbol} deactivated`);
      return c.json(deactivated, 200);
    });
  },
};
