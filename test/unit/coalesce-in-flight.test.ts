import { describe, expect, it } from 'vitest';
import { coalesceInFlight } from '../../functions/api/lib/coalesce-in-flight.js';

describe('coalesceInFlight', () => {
  it('shares one load among callers while it is in flight, and loads afresh once it settled', async () => {
    const loads: string[] = [];
    let finish: (value: number) => void = () => undefined;
    const get = coalesceInFlight((key) => {
      loads.push(key);
      return new Promise<number>((resolve) => (finish = resolve));
    });
    const first = get('AAPL');
    const second = get('AAPL');
    const other = get('MSFT');
    expect(loads).toEqual(['AAPL', 'MSFT']);
    finish(2); // settles MSFT, the latest load started
    expect(await other).toBe(2);
    expect(loads).toEqual(['AAPL', 'MSFT']);
    void get('MSFT');
    expect(loads).toEqual(['AAPL', 'MSFT', 'MSFT']);
    expect(first).toBe(second);
  });

  it('shares a failure with the callers waiting for it, then forgets it', async () => {
    let calls = 0;
    const get = coalesceInFlight(() => {
      calls++;
      return calls === 1 ? Promise.reject(new Error('database down')) : Promise.resolve('up');
    });
    const [a, b] = [get('AAPL'), get('AAPL')];
    await expect(a).rejects.toThrow('database down');
    await expect(b).rejects.toThrow('database down');
    expect(await get('AAPL')).toBe('up');
    expect(calls).toBe(2);
  });
});
