import { z } from '@hono/zod-openapi';
import { symbolSchema, timestampString } from '../../schemas/common.schemas.js';

/** What each threshold is, in every schema that carries one (its ALERT_* variable named). */
const meaning = {
  price_spike_percent:
    'price_spike: percent from the previous trade or the trailing 1m VWAP (ALERT_PRICE_SPIKE_PERCENT)',
  volume_spike_ratio: 'volume_spike: times the trailing average (ALERT_VOLUME_SPIKE_RATIO)',
  rsi_high: 'rsi_extreme: above this RSI (ALERT_RSI_HIGH)',
  rsi_low: 'rsi_extreme: below this RSI (ALERT_RSI_LOW)',
  ingest_lag_seconds: 'ingest_lag: seconds from publish to stored (ALERT_INGEST_LAG_SECONDS)',
  stale_after_intervals:
    'stale_feed: ingestion intervals without a trade (ALERT_STALE_AFTER_INTERVALS)',
};

/** A threshold override: a number in the rule's range, or null (or absent) for the default. */
const override = (description: string, rule: z.ZodNumber) =>
  rule
    .nullable()
    .optional()
    .openapi({ description: `${description}; null or absent: the default` });

/** PUT's body: a symbol and exactly the overrides it is to have. */
export const putAlertRuleBodySchema = z.strictObject({
  symbol: symbolSchema,
  // The ranges keep rsi_low below 50 and rsi_high above: never crossed.
  price_spike_percent: override(meaning.price_spike_percent, z.number().gt(0).max(10_000)),
  volume_spike_ratio: override(meaning.volume_spike_ratio, z.number().gt(1).max(1_000_000)),
  rsi_high: override(meaning.rsi_high, z.number().gt(50).lt(100)),
  rsi_low: override(meaning.rsi_low, z.number().gt(0).lt(50)),
  ingest_lag_seconds: override(meaning.ingest_lag_seconds, z.number().gt(0).max(1_000_000)),
  stale_after_intervals: override(
    meaning.stale_after_intervals,
    z.number().int().min(1).max(1_000),
  ),
});

/** A symbol's overrides as stored: what PUT answers, and the start of each symbol GET lists. */
export const alertRuleSchema = z
  .object({
    symbol: z.string(),
    price_spike_percent: z.number().nullable(),
    volume_spike_ratio: z.number().nullable(),
    rsi_high: z.number().nullable(),
    rsi_low: z.number().nullable(),
    ingest_lag_seconds: z.number().nullable(),
    stale_after_intervals: z.number().int().nullable(),
    updated_at: timestampString,
  })
  .openapi('AlertRule');

/** Every threshold with its value: the ALERT_* defaults, or a symbol's in force. */
export const alertThresholdsSchema = z
  .object({
    price_spike_percent: z.number().openapi({ description: meaning.price_spike_percent }),
    volume_spike_ratio: z.number().openapi({ description: meaning.volume_spike_ratio }),
    rsi_high: z.number().openapi({ description: meaning.rsi_high }),
    rsi_low: z.number().openapi({ description: meaning.rsi_low }),
    ingest_lag_seconds: z.number().openapi({ description: meaning.ingest_lag_seconds }),
    stale_after_intervals: z.number().int().openapi({ description: meaning.stale_after_intervals }),
  })
  .openapi('AlertThresholds', { description: 'Each anomaly rule’s threshold' });

/**
 * A symbol GET lists: its overrides, and the thresholds persist and the monitor apply to it. (The
 * descriptions of a reused schema's uses go on the object: OpenAPI 3.0 ignores a $ref's siblings.)
 */
export const alertRuleInForceSchema = alertRuleSchema
  .extend({ effective: alertThresholdsSchema })
  .openapi('AlertRuleInForce', {
    description:
      'A symbol’s overrides (null: the default) and, in effective, the thresholds in force for it: each override, else the default',
  });

/** GET's answer (its description is the route's). */
export const alertRulesListSchema = z.object({
  defaults: alertThresholdsSchema,
  count: z.number().int(),
  rules: z.array(alertRuleInForceSchema),
});
