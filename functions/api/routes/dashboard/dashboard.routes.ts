import { AppError } from '../../../../shared/http/app-error.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { dashboardLoader } from './dashboard-assets.js';
import { DASHBOARD_CSP, dashboardPage } from './dashboard-page.js';

const DASHBOARD_PATH = '/dashboard';
const ASSETS_PATH = `${DASHBOARD_PATH}/assets`;
/** Asset names carry their content's hash: a changed file is a new name, so caching never goes stale. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * `GET /dashboard`: live candlesticks in the browser, served by the api itself (same origin, no CDN).
 * Open without a key like /docs: the page holds no data; it asks for a read key when the api
 * requires one, and sends it in X-API-Key on its own requests.
 */
export const dashboardFeature: ApiFeature = {
  index: { dashboard: DASHBOARD_PATH },
  openPaths: [DASHBOARD_PATH, `${ASSETS_PATH}/*`],
  register(app) {
    const load = dashboardLoader();
    app.get(DASHBOARD_PATH, async (c) => {
      const { script, stylesheet } = await load();
      c.header('content-security-policy', DASHBOARD_CSP);
      // The page names the current assets' hashes: it must be asked for again, the assets need not.
      c.header('cache-control', 'no-cache');
      return c.html(dashboardPage(ASSETS_PATH, script, stylesheet));
    });
    app.get(`${ASSETS_PATH}/:file`, async (c) => {
      const file = c.req.param('file');
      const asset = (await load()).assets.get(file);
      if (asset === undefined) throw new AppError(404, 'not_found', `No asset ${file}`);
      return c.body(asset.body, 200, {
        'content-type': asset.type,
        'cache-control': IMMUTABLE,
        'content-security-policy': DASHBOARD_CSP,
      });
    });
  },
};
