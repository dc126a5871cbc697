import type { ApiFeature } from '../lib/api-feature.js';
import { adminSymbolsFeature } from './admin/admin-symbols.routes.js';
import { alertRulesFeature } from './admin/alert-rules.routes.js';
import { rejectedFeature } from './admin/rejected.routes.js';
import { anomaliesFeature } from './anomalies/anomalies.routes.js';
import { candlesFeature } from './candles/candles.routes.js';
import { dashboardFeature } from './dashboard/dashboard.routes.js';
import { docsFeature } from './docs/docs.routes.js';
import { healthFeature } from './health/health.routes.js';
import { indicatorsFeature } from './indicators/indicators.routes.js';
import { metricsFeature } from './metrics/metrics.routes.js';
import { pricesFeature } from './prices/price.routes.js';
import { rootFeature } from './root/root.routes.js';
import { statusFeature } from './status/status.routes.js';
import { streamFeature } from './stream/stream.routes.js';
import { symbolsFeature } from './symbols/symbols.routes.js';
import { tradesFeature } from './trades/trades.routes.js';

/**
 * Every feature of the api, in the order of the index at GET /. A new feature is a folder under
 * routes/ exporting an ApiFeature, and one line here.
 */
export const API_FEATURES: readonly ApiFeature[] = [
  rootFeature,
  healthFeature,
  symbolsFeature,
  pricesFeature,
  tradesFeature,
  candlesFeature,
  indicatorsFeature,
  anomaliesFeature,
  statusFeature,
  streamFeature,
  metricsFeature,
  docsFeature,
  dashboardFeature,
  adminSymbolsFeature,
  rejectedFeature,
  alertRulesFeature,
];
