import { createRoute, z } from '@hono/zod-openapi';
import { SERVICE } from '../../../../shared/service-info.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { commonErrors } from '../../schemas/common.schemas.js';

export const rootRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Service name, version and links to every endpoint',
  responses: {
    ...commonErrors,
    200: {
      description: 'Service index',
      content: {
        'application/json': {
          schema: z.object({
            service: z.string(),
            version: z.string(),
            endpoints: z.record(z.string(), z.string()),
          }),
        },
      },
    },
  },
});

/** GET /: the service and every feature's index entries. */
export const rootFeature: ApiFeature = {
  openPaths: ['/'],
  register(app, { index }) {
    app.openapi(rootRoute, (c) =>
      c.json({ service: SERVICE.name, version: SERVICE.version, endpoints: index }, 200),
    );
  },
};
