import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Sql } from '../../shared/db/client.js';
import type { Logger } from '../../shared/logging/logger.js';
import { withLogContext } from '../../shared/logging/log-context.js';
import {
  decodeMessage,
  messageIdOf,
  pubsubDataOf,
  type PubSubEventData,
  type Rejection,
} from './decode-message.js';
import { recordRejection } from './record-rejection.js';
import { writeTrades, type WriteOptions } from '../../shared/trades/write-trades.js';
import { ALERT_DEFAULTS } from '../../shared/config/function-config.js';
import type { AlertSettings } from '../../shared/alerts/alert-rules.js';
import type { AlertPublisher } from '../../shared/alerts/alert-publisher.js';
import { createAlertFollowUp } from './alert-follow-up.js';
import { BatchDetection } from '../../shared/alerts/batch-detection.js';

export interface PersistDeps {
  sql: Sql;
  logger: Logger;
  now?: () => number;
  /** Internal, for the persist bench's baseline only (WriteOptions): never a deployed setting. */
  write?: WriteOptions;
  /** The anomaly rules' defaults (ALERT_* settings); the defaults of the settings when not given. */
  alertSettings?: AlertSettings;
  /** Where new anomaly events go after commit; without one they stay in the outbox, unpublished. */
  alertPublisher?: AlertPublisher | undefined;
  /** Internal: false stores trades without detection (the bench's baseline). */
  detectAnomalies?: boolean;
}

/**
 * Handles one Pub/Sub message. Returns normally when the message is stored or recorded as
 * rejected (Pub/Sub acknowledges it); throws when the database fails (Pub/Sub redelivers).
 */
export function createPersistHandler({
  sql,
  logger,
  now = Date.now,
  alertSettings = ALERT_DEFAULTS,
  alertPublisher,
  detectAnomalies = true,
  write = {},
}: PersistDeps) {
  const followUp = createAlertFollowUp({ sql, logger, publisher: alertPublisher, now });
  return async function persist(event: CloudEvent<PubSubEventData>): Promise<void> {
    const data = pubsubDataOf(event);
    const messageId = messageIdOf(event, data);
    await withLogContext({ message_id: messageId }, async () => {
      const reject = async (rejection: Rejection) => {
        await recordRejection(sql, messageId, data, rejection);
        logger.warn(
          { reason: rejection.reason, details: rejection.details },
          `message rejected: ${rejection.message}`,
        );
      };
      const decoded = decodeMessage(data, now());
      if (!decoded.ok) {
        await reject(decoded);
        return;
      }
      const detection = detectAnomalies
        ? new BatchDetection(decoded.batch, {
            tsMs: decoded.tsMs,
            settings: alertSettings,
            publishedAtMs: publishTimeMs(data),
            now,
          })
        : undefined;
      let result;
      try {
        result = await writeTrades(sql, decoded.batch, messageId, detection, {
          ...write,
          oldestTsMs: earliest(decoded.tsMs),
        });
      } catch (error) {
        logger.error({ err: error }, 'batch not stored; Pub/Sub will redeliver');
        throw error;
      }
      if (!result.ok) {
        await reject({
          reason: 'unknown_symbol',
          message: `unknown symbol(s): ${result.unknownSymbols.join(', ')}`,
          details: result.unknownSymbols,
        });
        return;
      }
      logger.info(
        {
          source: decoded.batch.source,
          received: result.received,
          inserted: result.inserted,
          duplicates: result.duplicates,
          late: result.late,
          candles_invalidated: result.candlesInvalidated,
        },
        `stored ${result.inserted} of ${result.received} trades`,
      );
      // After commit: the trades are safe whatever happens to the alerts' publishing.
      await followUp(detection?.events ?? []);
    });
  };
}

function earliest(tsMs: Float64Array): number | undefined {
  let min: number | undefined;
  for (const ms of tsMs) if (min === undefined || ms < min) min = ms;
  return min;
}

/** Pub/Sub's publish time of the message, when it carries a valid one. */
function publishTimeMs(data: PubSubEventData | undefined): number | undefined {
  const text: unknown = data?.message?.publishTime;
  const ms = typeof text === 'string' ? Date.parse(text) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}
