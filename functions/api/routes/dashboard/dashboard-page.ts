import { SERVICE } from '../../../../shared/service-info.js';

/**
 * Only this origin's scripts, styles and connections; no inline script, no eval, no plugin, no
 * framing by others. The chart draws on canvases and sets element styles from script (CSSOM), which
 * style-src does not restrict.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/** The page: a shell the script fills; every asset linked by its content-hashed name. */
export function dashboardPage(assetsPath: string, script: string, stylesheet: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" href="data:,">
  <title>${SERVICE.name} dashboard</title>
  <link rel="stylesheet" href="${assetsPath}/${stylesheet}">
  <script type="module" src="${assetsPath}/${script}"></script>
</head>
<body>
  <noscript>The dashboard needs JavaScript; the data is also at /candles and /stream.</noscript>
  <main id="app" aria-busy="true"></main>
</body>
</html>`;
}
