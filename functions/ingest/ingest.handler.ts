import type { Request } from '@google-cloud/functions-framework';
import { z } from 'zod';
import { AppError } from '../../shared/http/app-error.js';
import { toAppError } from '../../shared/http/error-envelope.js';
import { scheduledPostHandler } from '../../shared/http/scheduled-post-handler.js';
import { PublishError } from '../../shared/messaging/trade-publisher.js';
import { MAX_FUTURE_SKEW_MS } from '../../shared/schemas/trade-message.js';
import { ingestRequestSchema, type IngestRequest } from './ingest-request.js';
import { runIngestion, type IngestDeps } from './run-ingestion.js';
import { createSources } from './sources/index.js';

export interface IngestHandlerDeps extends IngestDeps {
  now?: () => number;
}

/** The request body as JSON whatever Content-Type the caller set (Cloud Scheduler's default is octet-stream). */
function parseBody(request: Request): IngestRequest {
  const raw = request.rawBody?.toString('utf8').trim() ?? '';
  let json: unknown = {};
  if (raw !== '') {
    try {
      json = JSON.parse(raw);
    } catch {
      throw new AppError(400, 'invalid_body', 'Request body is not valid JSON');
    }
  }
  const parsed = ingestRequestSchema.safeParse(json);
  if (!parsed.success) {
    throw new AppError(400, 'invalid_body', z.prettifyError(parsed.error), parsed.error.issues);
  }
  return parsed.data;
}

function untilOf(body: IngestRequest, nowMs: number): number {
  if (body.until === undefined) return nowMs;
  const untilMs = Date.parse(body.until);
  if (untilMs > nowMs + MAX_FUTURE_SKEW_MS) {
    throw new AppError(400, 'invalid_body', 'until: must not be in the future', [
      { parameter: 'until' },
    ]);
  }
  return untilMs;
}

/**
 * The ingest HTTP function, called by Cloud Scheduler with POST: publishes every active symbol's
 * trades due since its last stored trade and answers a summary.
 */
export function createIngestHandler({ now = Date.now, ...given }: IngestHandlerDeps) {
  const { logger } = given;
  // The sources once per instance, like the pool: a run only asks them.
  const deps: IngestDeps = { ...given, sources: given.sources ?? createSources(given) };
  return scheduledPostHandler(
    {
      name: 'ingest',
      logger,
      toError: (error) =>
        error instanceof PublishError
          ? new AppError(
              503,
              'publish_failed',
              'Publishing to Pub/Sub failed; the next run republishes the same trades',
            )
          : toAppError(error),
    },
    async (request) => {
      const body = parseBody(request);
      const nowMs = now();
      const summary = await runIngestion(deps, {
        untilMs: untilOf(body, nowMs),
        nowMs,
        symbols: body.symbols,
      });
      logger.info(
        {
          trades: summary.trades_published,
          messages: summary.messages_published,
          from: summary.from,
          to: summary.to,
        },
        `published ${summary.trades_published} trades for ${summary.symbols.length} symbols`,
      );
      return summary;
    },
  );
}
