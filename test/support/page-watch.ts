import type { Page } from 'playwright-core';

/** What went wrong on a page: console errors, uncaught exceptions, failed or refused requests. */
export interface PageProblems {
  problems: string[];
  /** Every request's URL and X-API-Key header, in order. */
  requests: { url: string; apiKey: string | undefined }[];
}

/**
 * Records a page's problems as they happen. A stream the page closes itself (switching symbol)
 * ends as an aborted request, which is the page's own doing and not a failure.
 */
export function watchPage(page: Page): PageProblems {
  const watch: PageProblems = { problems: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watch.problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => watch.problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    watch.requests.push({ url: request.url(), apiKey: request.headers()['x-api-key'] });
  });
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    const closedStream =
      reason === 'net::ERR_ABORTED' && new URL(request.url()).pathname === '/stream';
    if (!closedStream) watch.problems.push(`request failed: ${request.url()} ${reason}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400)
      watch.problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return watch;
}
