import { createRoute, z } from '@hono/zod-openapi';
import { ANOMALY_KINDS } from '../../../../shared/alerts/alert-message.js';
import {
  fetchAnomaliesPage,
  type AnomalyRecord,
} from '../../../../shared/alerts/anomalies-page.queries.js';
import { invalidParameter, symbolNotFound } from '../../../../shared/http/app-error.js';
import { symbolExists } from '../../../../shared/symbols/symbols.queries.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import {
  commonErrors,
  decimalString,
  errorResponse,
  symbolSchema,
  timestampString,
} from '../../schemas/common.schemas.js';
import { limitParam, timestampParam } from '../../schemas/query.schemas.js';
import { decodeCursor, encodeCursor } from './anomalies-cursor.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1_000;

const anomalySchema = z
  .object({
    id: z.string().openapi({ description: 'anomalies.id (the alert message’s anomalyId)' }),
    symbol: z.string(),
    kind: z.enum(ANOMALY_KINDS),
    severity: z.enum(['warning', 'critical']),
    detected_at: timestampString,
    trade_id: z.string().nullable().openapi({ description: 'The trade of a per-trade rule' }),
    interval: z.string().nullable().openapi({ description: 'The candle of a per-candle rule' }),
    bucket: timestampString.nullable(),
    status: z.enum(['open', 'closed']).nullable().openapi({
      description: 'stale_feed: open until the symbol trades again; null for the other kinds',
    }),
    opened_at: timestampString.nullable().openapi({
      description: 'stale_feed: the last trade before the feed went quiet',
    }),
    closed_at: timestampString.nullable(),
    observed: decimalString('7.95'),
    threshold: decimalString('5'),
    unit: z.string().openapi({ example: 'percent' }),
    summary: z.string(),
  })
  .openapi('Anomaly');

export const anomaliesRoute = createRoute({
  method: 'get',
  path: '/anomalies',
  summary: 'Recorded anomalies, newest first, keyset-paginated',
  request: {
    query: z.object({
      symbol: symbolSchema.optional(),
      kind: z
        .enum(ANOMALY_KINDS, { error: `must be one of ${ANOMALY_KINDS.join(', ')}` })
        .optional()
        .openapi({ description: 'One kind only' }),
      since: timestampParam('Detected at or after this instant'),
      limit: limitParam(DEFAULT_LIMIT, MAX_LIMIT),
      cursor: z.string().optional().openapi({
        description: 'next_cursor of the previous page; the filters must be the same',
      }),
    }),
  },
  responses: {
    ...commonErrors,
    200: {
      description: 'A page of anomalies; next_cursor is null on the last page',
      content: {
        'application/json': {
          schema: z.object({
            limit: z.number().int(),
            count: z.number().int(),
            anomalies: z.array(anomalySchema),
            next_cursor: z.string().nullable(),
          }),
        },
      },
    },
    400: errorResponse('A malformed parameter, or a cursor of another query'),
    404: errorResponse('Unknown symbol'),
    503: errorResponse('The database is unreachable'),
  },
});

const iso = (date: Date | null) => date?.toISOString() ?? null;

const anomalyJson = (a: AnomalyRecord) => ({
  id: a.id,
  symbol: a.symbol,
  kind: a.kind,
  severity: a.severity,
  detected_at: a.detectedAt.toISOString(),
  trade_id: a.tradeId,
  interval: a.interval,
  bucket: iso(a.bucket),
  status:
    a.kind === 'stale_feed'
      ? a.closedAt === null
        ? ('open' as const)
        : ('closed' as const)
      : null,
  opened_at: iso(a.openedAt),
  closed_at: iso(a.closedAt),
  observed: a.observed,
  threshold: a.threshold,
  unit: a.unit,
  summary: a.summary,
});

/** GET /anomalies: what persist and the monitor recorded, filtered, a page at a time. */
export const anomaliesFeature: ApiFeature = {
  index: { anomalies: '/anomalies?symbol=&kind=&since=&limit=&cursor=' },
  register(app, { sql }) {
    app.openapi(anomaliesRoute, async (c) => {
      const query = c.req.valid('query');
      const filters = {
        symbol: query.symbol ?? '',
        kind: query.kind ?? '',
        since: query.since?.toISOString() ?? '',
      };
      let beforeId: string | undefined;
      if (query.cursor !== undefined) {
        const cursor = decodeCursor(query.cursor);
        if (
          cursor.symbol !== filters.symbol ||
          cursor.kind !== filters.kind ||
          cursor.since !== filters.since
        )
          throw invalidParameter(
            'cursor',
            'belongs to another query (symbol, kind or since differ)',
          );
        beforeId = cursor.id;
      }
      const rows = await fetchAnomaliesPage(sql, {
        symbol: query.symbol,
        kind: query.kind,
        since: query.since,
        beforeId,
        limit: query.limit,
      });
      if (
        rows.length === 0 &&
        query.symbol !== undefined &&
        !(await symbolExists(sql, query.symbol))
      )
        throw symbolNotFound([query.symbol]);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return c.json(
        {
          limit: query.limit,
          count: page.length,
          anomalies: page.map(anomalyJson),
          next_cursor:
            rows.length > query.limit && last !== undefined
              ? encodeCursor({ ...filters, id: last.id })
              : null,
        },
        200,
      );
    });
  },
};
