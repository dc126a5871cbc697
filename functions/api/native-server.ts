/**
 * The api as a plain Node server, without the Functions Framework: for running it on Cloud Run
 * (or any container host) instead of Cloud Functions. Same Hono app, same configuration.
 *
 *   PORT=8080 DATABASE_URL=postgres://... node dist/functions/api/native-server.js
 */
import { createServer } from 'node:http';
import { loadApiConfig } from '../../shared/config/function-config.js';
import { loadRuntimeConfig } from '../../shared/config/runtime-config.js';
import { createApiFunction } from './api-function.js';

const { PORT: port } = loadRuntimeConfig();

const listener = createApiFunction(loadApiConfig());
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
