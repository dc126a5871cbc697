import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { AppError, invalidParameter, symbolNotFound } from '../../../../shared/http/app-error.js';
import { parseEventId } from '../../../../shared/stream/trade-events.js';
import { findUnknownSymbols } from '../../../../shared/symbols/symbols.queries.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { commonErrors, errorResponse, symbolSchema } from '../../schemas/common.schemas.js';
import { intervalParam } from '../../schemas/query.schemas.js';
import { runClientStream, type StreamEventType } from './client-stream.js';
import { StreamHub } from './stream-hub.js';

const MAX_SYMBOLS = 100;
const EVENT_TYPES = ['trades', 'prices', 'candles', 'alerts'] as const;

const streamQuery = z.object({
  symbols: z
    .string()
    .transform((list) => list.split(','))
    .pipe(z.array(symbolSchema).min(1).max(MAX_SYMBOLS))
    .openapi({
      type: 'string',
      example: 'AAPL,MSFT',
      description: `Comma-separated, at most ${MAX_SYMBOLS}`,
    }),
  events: z
    .string()
    .transform((list) => list.split(','))
    .pipe(z.array(z.enum(EVENT_TYPES)).min(1))
    .optional()
    .openapi({
      type: 'string',
      example: 'trades,prices',
      description:
        'Comma-separated: trades (default), prices, candles (needs interval), alerts (anomalies of the symbols)',
    }),
  interval: intervalParam.optional().openapi({
    description: 'The candles’ interval: required with events=candles, refused without',
  }),
  last_event_id: z.string().optional().openapi({
    description: 'Where to resume, for clients that cannot send the Last-Event-ID header',
  }),
});

export const streamRoute = createRoute({
  method: 'get',
  path: '/stream',
  summary: 'Live trades and prices as Server-Sent Events, resumable without loss or repetition',
  request: { query: streamQuery },
  responses: {
    ...commonErrors,
    200: {
      description:
        'text/event-stream. `trade` events (id = the position to resume after, data = {trade_id, symbol, price, volume, timestamp}), ' +
        '`price` events (a symbol’s latest price when it moves, at most four a second), `candle` events ' +
        '(the /candles item with symbol, interval, closed and revised: the forming candle as trades arrive, closed:true once ' +
        'two seconds after its bucket ends, revised:true when a late trade changes a closed one), `alert` events with events=alerts ' +
        '(an anomaly of the symbols as it is recorded: the alerts topic’s message, shared/alerts/alert-message.ts; live only, no id), `reset` (an id that cannot be resumed: ' +
        'resync through /trades), `error` (the client read too slowly), `end` (the stream ends before the platform’s timeout: reconnect), ' +
        'heartbeat comments every 15 s. Reconnect with Last-Event-ID (or last_event_id=) to receive every trade missed, none twice.',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    400: errorResponse('A malformed parameter or Last-Event-ID'),
    404: errorResponse('An unknown symbol'),
    503: errorResponse(
      'The database is unreachable, or this instance serves as many streams as it may (Retry-After)',
    ),
  },
});

/** GET /stream: one hub per instance, a stream per connection. */
export const streamFeature: ApiFeature = {
  index: {
    stream:
      '/stream?symbols={symbol},{symbol}&events=trades,prices,candles,alerts&interval={interval} (text/event-stream)',
  },
  register(
    app,
    { sql, reader, logger, now, streamMaxClients, streamMaxSeconds, streamQueueLimit },
  ) {
    // The hub's fan-out reads go to the replica; LISTEN and each connection's replay to the primary.
    const hub = new StreamHub({ sql, reader, logger, now });
    let open = 0;
    app.openapi(streamRoute, async (c) => {
      const query = c.req.valid('query');
      const events = new Set<StreamEventType>(query.events ?? ['trades']);
      if (events.has('candles') && query.interval === undefined)
        throw invalidParameter('interval', 'is required with events=candles (like 1m)');
      if (!events.has('candles') && query.interval !== undefined)
        throw invalidParameter('interval', 'applies to candle events only: add candles to events');
      const lastId = c.req.header('last-event-id') ?? query.last_event_id;
      const resumeAfter = lastId === undefined || lastId === '' ? undefined : parseEventId(lastId);
      if (lastId !== undefined && lastId !== '' && resumeAfter === undefined)
        throw invalidParameter(
          'last_event_id',
          'is not an event id this stream sent (like 12345-678)',
        );
      const symbols = [...new Set(query.symbols)];
      const unknown = await findUnknownSymbols(reader(), symbols);
      if (unknown.length > 0) throw symbolNotFound(unknown);
      if (open >= streamMaxClients) {
        c.header('Retry-After', '5');
        throw new AppError(
          503,
          'too_many_streams',
          `This instance serves ${streamMaxClients} streams already: retry shortly`,
        );
      }
      open++;
      return streamSSE(c, async (stream) => {
        try {
          await runClientStream(stream, {
            hub,
            sql,
            symbols,
            events,
            interval: query.interval,
            resumeAfter,
            maxSeconds: streamMaxSeconds,
            queueLimit: streamQueueLimit,
          });
        } catch (error) {
          logger.warn({ err: error }, 'stream: ended by an error');
        } finally {
          open--;
        }
      });
    });
  },
};
