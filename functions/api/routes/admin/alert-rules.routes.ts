import { createRoute } from '@hono/zod-openapi';
import { symbolNotFound } from '../../../../shared/http/app-error.js';
import {
  listAlertRules,
  putAlertRule,
  type AlertRuleRecord,
} from '../../../../shared/alerts/alert-rules.queries.js';
import { applyOverrides, type AlertThresholds } from '../../../../shared/alerts/alert-rules.js';
import { adminActor } from '../../lib/admin-actor.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { requireRole } from '../../middleware/api-key-auth.js';
import { errorResponse } from '../../schemas/common.schemas.js';
import { adminErrors, apiKeySecurity } from '../../schemas/security.schemas.js';
import {
  alertRuleSchema,
  alertRulesListSchema,
  putAlertRuleBodySchema,
} from './alert-rules.schemas.js';

export const listAlertRulesRoute = createRoute({
  method: 'get',
  path: '/admin/alert-rules',
  summary:
    'The anomaly rules’ thresholds: the defaults, and each symbol’s overrides and thresholds in force (admin)',
  security: apiKeySecurity,
  middleware: [requireRole('admin')] as const,
  responses: {
    ...adminErrors,
    200: {
      description:
        'The ALERT_* defaults, and the symbols with at least one override: each override (null: the default) and the thresholds in force; every symbol not listed uses the defaults',
      content: { 'application/json': { schema: alertRulesListSchema } },
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
      content: { 'application/json': { schema: putAlertRuleBodySchema } },
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

const thresholdsJson = (thresholds: AlertThresholds) => ({
  price_spike_percent: thresholds.priceSpikePercent,
  volume_spike_ratio: thresholds.volumeSpikeRatio,
  rsi_high: thresholds.rsiHigh,
  rsi_low: thresholds.rsiLow,
  ingest_lag_seconds: thresholds.ingestLagSeconds,
  stale_after_intervals: thresholds.staleAfterIntervals,
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
  register(app, { sql, logger, alertDefaults }) {
    app.openapi(listAlertRulesRoute, async (c) => {
      // In force: the overrides over the defaults, as persist and the monitor combine them.
      const rules = (await listAlertRules(sql)).map((rule) => ({
        ...ruleJson(rule),
        effective: thresholdsJson(applyOverrides(alertDefaults, rule)),
      }));
      return c.json({ defaults: thresholdsJson(alertDefaults), count: rules.length, rules }, 200);
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
