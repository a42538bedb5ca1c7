/** The checks every runtime makes on a cloud before running it, so bad input fails with a sentence, not NaNs. */
import { PnetError } from '../../src/core/errors.ts';

/** Throws BAD_INPUT (without a file; callers that know the file add it) when `xyz` cannot be segmented. */
export function checkCloud(xyz: Float32Array): number {
  if (xyz.length % 3 !== 0) {
    throw new PnetError(
      'BAD_INPUT',
      `a cloud is a list of xyz triples, got ${xyz.length} values (not a multiple of 3)`,
    );
  }
  const n = xyz.length / 3;
  if (n === 0) throw new PnetError('BAD_INPUT', 'the cloud has 0 points');
  for (let i = 0; i < xyz.length; i++) {
    if (!Number.isFinite(xyz[i]!)) {
      throw new PnetError('BAD_INPUT', `point ${Math.floor(i / 3) + 1} has a non-finite coordinate (${xyz[i]})`);
    }
  }
  return n;
}

/** Point counts of a call's clouds, all checked before any runs; an error says which cloud it was. */
export function checkClouds(clouds: readonly Float32Array[]): number[] {
  return clouds.map((c, i) => {
    try {
      return checkCloud(c);
    } catch (e) {
      if (e instanceof PnetError && clouds.length > 1)
        throw new PnetError(e.code, `cloud ${i + 1} of ${clouds.length}: ${e.message}`);
      throw e;
    }
  });
}
