import { create, type Domain } from 'node:domain';
import { describe, expect, it } from 'vitest';
import { leaveRequestDomain } from '../../shared/http/leave-request-domain.js';

const activeDomain = () => (process as { domain?: Domain | null }).domain ?? null;

describe('leaveRequestDomain', () => {
  it('runs the handler, and what it starts, outside the domain the framework entered', async () => {
    const framework = create();
    const seen: (Domain | null)[] = [];
    const handler = leaveRequestDomain(async (value: number, _response: unknown) => {
      seen.push(activeDomain());
      await Promise.resolve();
      seen.push(activeDomain());
      return value * 2;
    });
    // As the Functions Framework calls an HTTP function: inside d.run(), on the next tick.
    const result = await new Promise<number>((resolve) => {
      framework.run(() => {
        process.nextTick(() => {
          expect(activeDomain()).toBe(framework);
          void handler(21, undefined).then(resolve);
        });
      });
    });
    expect(result).toBe(42);
    expect(seen).toEqual([null, null]);
  });

  it('leaves nested domains too', () => {
    const outer = create();
    const inner = create();
    let seen: Domain | null | undefined;
    outer.run(() => {
      inner.run(() => {
        leaveRequestDomain(() => (seen = activeDomain()))(undefined, undefined);
      });
    });
    expect(seen).toBeNull();
  });
});
