import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';

type Next = (error?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
interface BodyParser {
  json: ((options?: object) => Middleware) & { tolerant?: true };
}

/**
 * The Functions Framework parses `application/json` bodies with body-parser before any function
 * code runs, and leaves a malformed one to Express, which answers with an HTML error page (and a
 * stack trace outside production) instead of our error envelope. This wraps the framework's own
 * body-parser so that a JSON parse failure passes the request on unparsed: `rawBody` is already
 * saved, and the function answers the 400 itself. Must run before the framework builds its server,
 * which is why the functions' entry files call it when they are loaded. Idempotent.
 */
export function tolerateMalformedJsonBodies(): void {
  const frameworkRequire = createRequire(
    createRequire(import.meta.url).resolve('@google-cloud/functions-framework'),
  );
  const bodyParser = frameworkRequire('body-parser') as BodyParser;
  if (bodyParser.json.tolerant === true) return;
  const strict = bodyParser.json;
  const tolerant = (options?: object): Middleware => {
    const parse = strict(options);
    return (req, res, next) => {
      parse(req, res, (error?: unknown) => {
        const parseFailed =
          typeof error === 'object' &&
          error !== null &&
          'type' in error &&
          error.type === 'entity.parse.failed';
        next(parseFailed ? undefined : error);
      });
    };
  };
  bodyParser.json = Object.assign(tolerant, { tolerant: true as const });
}
