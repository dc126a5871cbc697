import { z } from '@hono/zod-openapi';
import { symbolField } from '../../../shared/market/symbol.js';

export const symbolSchema = symbolField().openapi({
  example: 'AAPL',
  description: 'Ticker symbol, case-insensitive',
});

/**
 * Exact decimals travel as strings so no client parses 0.1 + 0.2 into a float: the rule on every
 * route Phase 1 never had.
 */
export const decimalString = (example: string) =>
  z.string().openapi({ example, description: 'Exact decimal, as a string' });

/**
 * Where the Phase 1 contract promised a number (GET /price/latest?symbol=): a JSON number written
 * with the stored decimal's own digits, never rounded on the way out.
 */
export const exactNumber = (example: number) =>
  z.number().openapi({
    example,
    description:
      "Exact decimal as a JSON number: the literal is the stored value's digits (up to 20 before " +
      'the point and 8 after, no exponent). A float64 parser reads it exactly up to 15 significant ' +
      'digits; parse the literal as a decimal for more.',
  });

export const timestampString = z
  .string()
  .openapi({ example: '2026-11-21T16:00:00.000Z', description: 'UTC, ISO 8601' });

export const errorEnvelopeSchema = z
  .object({
    error: z.string().openapi({ example: 'invalid_parameter' }),
    message: z.string().openapi({ example: 'symbol: is required' }),
    detail: z.string().openapi({
      example: 'symbol: is required',
      description: 'The same as message, under the key Phase 1 clients read the reason from',
    }),
    details: z.array(z.unknown()),
    status: z.number().int().openapi({ example: 400 }),
    request_id: z.string().openapi({ example: '5f1c1a7e-7d8e-4a4b-9a39-5d2f0d3b2c11' }),
  })
  .openapi('Error');

/** An error response for the OpenAPI document. */
export const errorResponse = (description: string) => ({
  content: { 'application/json': { schema: errorEnvelopeSchema } },
  description,
});

/** What any route may answer besides its own responses. */
export const commonErrors = {
  500: errorResponse(
    'Internal error; the envelope carries no internal detail, only the request id',
  ),
} as const;
