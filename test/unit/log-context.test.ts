import { describe, expect, it } from 'vitest';
import { withLogContext } from '../../shared/logging/log-context.js';
import { captureLogger } from '../support/capture-logger.js';

describe('log context', () => {
  it('puts the request context on every line, and one line’s own fields on that line only', () => {
    const { logger, lines } = captureLogger();
    withLogContext({ request_id: 'r-1' }, () => {
      logger.warn({ attempt: 1 }, 'retrying');
      logger.warn('given up');
    });
    expect(
      lines().map(({ request_id, attempt, message }) => ({ request_id, attempt, message })),
    ).toEqual([
      { request_id: 'r-1', attempt: 1, message: 'retrying' },
      { request_id: 'r-1', attempt: undefined, message: 'given up' },
    ]);
  });
});
