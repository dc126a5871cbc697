import { createHash } from 'node:crypto';

/**
 * Uniform numbers in [0, 1) derived from a hash of the seed and the key parts: the same
 * (seed, symbol, timestamp) always gives the same numbers, on any instance, in any order.
 */
export function seededUniforms(seed: string, ...key: (string | number)[]): number[] {
  const digest = createHash('sha256')
    .update([seed, ...key].join('\u0000'))
    .digest();
  const uniforms: number[] = [];
  for (let offset = 0; offset < digest.length; offset += 4) {
    uniforms.push(digest.readUInt32BE(offset) / 2 ** 32);
  }
  return uniforms;
}
