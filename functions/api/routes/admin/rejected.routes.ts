import { createRoute, z } from '@hono/zod-openapi';
import {
  listRejectedMessages,
  PAYLOAD_EXCERPT_BYTES,
  type RejectedMessage,
} from '../../../../shared/rejections/rejected-messages.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { requireRole } from '../../middleware/api-key-auth.js';
import { errorResponse, timestampString } from '../../schemas/common.schemas.js';
import { limitParam } from '../../schemas/query.schemas.js';
import { adminErrors, apiKeySecurity } from '../../schemas/security.schemas.js';

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

/** A recorded rejection as the route prints it. */
const rejectedJson = (r: RejectedMessage) => ({
  id: r.id,
  message_id: r.messageId,
  reason: r.reason,
  message: r.message,
  received_at: r.receivedAt.toISOString(),
  published_at: r.publishedAt?.toISOString() ?? null,
  payload_bytes: r.payloadBytes,
  payload_excerpt: r.payloadExcerpt,
});

/** GET /admin/rejected: the poison messages persist recorded, for an admin key. */
export const rejectedFeature: ApiFeature = {
  index: { admin_rejected: '/admin/rejected?limit= (X-API-Key of the admin role)' },
  register(app, { sql }) {
    app.openapi(rejectedRoute, async (c) => {
      const { limit } = c.req.valid('query');
      const rejected = (await listRejectedMessages(sql, limit)).map(rejectedJson);
      return c.json({ count: rejected.length, rejected }, 200);
    });
  },
};
