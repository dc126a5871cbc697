/**
 * The api as a plain Node server, without the Functions Framework: for running it on Cloud Run
 * (or any container host) instead of Cloud Functions. Same Hono app, same configuration.
 *
 *   PORT=8080 DATABASE_URL=postgres://... node dist/functions/api/native-server.js
 */
import { createServer } from 'node:http';
import { loadConfig } from '../../shared/config/config.js';
import { createApiFunction } from './api-function.js';

// PORT is the container platform's contract (Cloud Run sets it), not the app's configuration.
// eslint-disable-next-line no-restricted-properties
const port = Number(process.env['PORT'] ?? 8080);

const listener = createApiFunction(loadConfig());
// The listener answers through `response` and never rejects: @hono/node-server turns errors into 500s.
const server = createServer((request, response) => {
  void listener(request, response);
});
server.listen(port);
// Cloud Run sends SIGTERM before stopping an instance: finish the requests in flight, then exit.
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
