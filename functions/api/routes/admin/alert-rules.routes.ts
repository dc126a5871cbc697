import { createRoute, z } from '@hono/zod-openapi';
import { symbolNotFound } from '../../../../shared/http/app-error.js';
import {
  listAlertRules,
  putAlertRule,
  type AlertRuleRecord,
} from '../../../../shared/alerts/alert-rules.queries.js';
import { adminActor } from '../../lib/admin-actor.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { requireRole } from '../../middleware/api-key-auth.js';
import { errorResponse, symbolSchema, timestampString } from '../../schemas/common.schemas.js';
import { adminErrors, apiKeySecurity } from '../../schemas/security.schemas.js';

/** A threshold override: a number in the rule's range, or null (or absent) for the default. */
const override = (description: string, rule: z.ZodNumber) =>
  rule
    .nullable()
    .optional()
    .openapi({ description: `${description}; null or absent: the default` });

const overridesShape = {
  price_spike_percent: override(
    'price_spike: percent from the previous trade or the trailing 1m VWAP (ALERT_PRICE_SPIKE_PERCENT)',
    z.number().gt(0).max(10_000),
  ),
  volume_spike_ratio: override(
    'volume_spike: times the trailing average (ALERT_VOLUME_SPIKE_RATIO)',
    z.number().gt(1).max(1_000_000),
  ),
  rsi_high: override('rsi_extreme: above this RSI (ALERT_RSI_HIGH)', z.number().gt(50).lt(100)),
  rsi_low: override('rsi_extreme: below this RSI (ALERT_RSI_LOW)', z.number().gt(0).lt(50)),
  ingest_lag_seconds: override(
    'ingest_lag: seconds from publish to stored (ALERT_INGEST_LAG_SECONDS)',
    z.number().gt(0).max(1_000_000),
  ),
  stale_after_intervals: override(
    'stale_feed: ingestion intervals without a trade (ALERT_STALE_AFTER_INTERVALS)',
    z.number().int().min(1).max(1_000),
  ),
};

const alertRuleSchema = z
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

export const listAlertRulesRoute = createRoute({
  method: 'get',
  path: '/admin/alert-rules',
  summary: 'Per-symbol overrides of the anomaly rules’ thresholds (admin)',
  security: apiKeySecurity,
  middleware: [requireRole('admin')] as const,
  responses: {
    ...adminErrors,
    200: {
      description:
        'Symbols with at least one override; a null field (and every symbol not listed) uses the ALERT_* default',
      content: {
        'application/json': {
          schema: z.object({ count: z.number().int(), rules: z.array(alertRuleSchema) }),
        },
      },
    },
  },
});

export const putAlertRuleRoute = createRoute({
  method: 'put',
  path: '/admin/alert-rules',
  summary:
    'Set a symbol’s overrides (admin): exactly the fields given, the others back to the defaults',
  security: apiKeySecurity,
  middleware: [requireRole('admin')] as const,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          // The ranges keep rsi_low below 50 and rsi_high above: never crossed.
          schema: z.strictObject({ symbol: symbolSchema, ...overridesShape }),
        },
      },
    },
  },
  responses: {
    ...adminErrors,
    200: {
      description: 'The symbol’s overrides as they now are (all null: none left)',
      content: { 'application/json': { schema: alertRuleSchema } },
    },
    400: errorResponse('Malformed body: an unknown field, or a threshold out of its range'),
    404: errorResponse('Unknown symbol'),
    413: errorResponse('Body too large'),
  },
});

const ruleJson = (rule: AlertRuleRecord) => ({
  symbol: rule.symbol,
  price_spike_percent: rule.priceSpikePercent,
  volume_spike_ratio: rule.volumeSpikeRatio,
  rsi_high: rule.rsiHigh,
  rsi_low: rule.rsiLow,
  ingest_lag_seconds: rule.ingestLagSeconds,
  stale_after_intervals: rule.staleAfterIntervals,
  updated_at: rule.updatedAt.toISOString(),
});

/** GET and PUT /admin/alert-rules: an admin key tunes the anomaly rules per symbol. */
export const alertRulesFeature: ApiFeature = {
  index: { admin_alert_rules: 'GET|PUT /admin/alert-rules (X-API-Key of the admin role)' },
  register(app, { sql, logger }) {
    app.openapi(listAlertRulesRoute, async (c) => {
      const rules = (await listAlertRules(sql)).map(ruleJson);
      return c.json({ count: rules.length, rules }, 200);
    });

    app.openapi(putAlertRuleRoute, async (c) => {
      const body = c.req.valid('json');
      const rule = await putAlertRule(sql, body.symbol, {
        priceSpikePercent: body.price_spike_percent ?? null,
        volumeSpikeRatio: body.volume_spike_ratio ?? null,
        rsiHigh: body.rsi_high ?? null,
        rsiLow: body.rsi_low ?? null,
        ingestLagSeconds: body.ingest_lag_seconds ?? null,
        staleAfterIntervals: body.stale_after_intervals ?? null,
      });
      if (rule === undefined) throw symbolNotFound([body.symbol]);
      const json = ruleJson(rule);
      logger.info({ ...(await adminActor(c)), ...json }, `alert rules of ${body.symbol} set`);
      return c.json(json, 200);
    });
  },
};
