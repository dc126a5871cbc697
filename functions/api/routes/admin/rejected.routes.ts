import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDeps, AppEnv } from '../../app-env.js';
import { requireRole } from '../../middleware/api-key-auth.js';
import { errorResponse, timestampString } from '../../schemas/common.schemas.js';
import { limitParam } from '../../schemas/query.schemas.js';
import { adminErrors, apiKeySecurity } from '../../schemas/security.schemas.js';
import { listRejectedMessages, PAYLOAD_EXCERPT_BYTES } from './rejected.queries.js';

const rejectedMessageSchema = z
  .object({
    id: z.string(),
    message_id: z.string().openapi({ description: 'Pub/Sub message id' }),
    reason: z.string().openapi({ example: 'invalid_trade', description: 'Stable code' }),
    message: z.string().nullable().openapi({ description: 'What was wrong, for people' }),
    received_at: timestampString,
    published_at: timestampString.nullable(),
    payload_bytes: z.number().int(),
    payload_excerpt: z.string().openapi({
      description: `The first ${PAYLOAD_EXCERPT_BYTES} bytes of the payload as UTF-8`,
    }),
  })
  .openapi('RejectedMessage');

export const rejectedRoute = createRoute({
  method: 'get',
  path: '/admin/rejected',
  summary: 'Recorded poison messages, newest first (admin)',
  security: apiKeySecurity,
  middleware: [requireRole('admin')] as const,
  request: { query: z.object({ limit: limitParam(50, 500) }) },
  responses: {
    ...adminErrors,
    200: {
      description: 'Messages persist acknowledged without storing, with the reason',
      content: {
        'application/json': {
          schema: z.object({
            count: z.number().int(),
            rejected: z.array(rejectedMessageSchema),
          }),
        },
      },
    },
    400: errorResponse('Malformed limit'),
  },
});

export function registerRejectedRoutes(app: OpenAPIHono<AppEnv>, { sql }: ApiDeps) {
  app.openapi(rejectedRoute, async (c) => {
    const { limit } = c.req.valid('query');
    const rejected = await listRejectedMessages(sql, limit);
    return c.json({ count: rejected.length, rejected }, 200);
  });
}
