/** The checks every runtime makes on a cloud before running it, so bad input fails with a sentence, not NaNs. */
import { PnetError } from '../../src/core/errors.ts';

/**
 * Most points a cloud may have unless the caller says otherwise. Memory grows with the points of a run, measured
 * with onnxruntime-node on the CPU: about 5 KB per point for the lite preset and 19 KB for keras, so 100,000 points
 * take about 0.5 GB and 1.9 GB.
 */
export const DEFAULT_MAX_POINTS = 100_000;

/** Throws BAD_INPUT (without a file; callers that know the file add it) when `xyz` cannot be segmented. */
export function checkCloud(xyz: Float32Array, maxPoints = Infinity): number {
  if (xyz.length % 3 !== 0) {
    throw new PnetError(
      'BAD_INPUT',
      `a cloud is a list of xyz triples, got ${xyz.length} values (not a multiple of 3)`,
    );
  }
  const n = xyz.length / 3;
  if (n === 0) throw new PnetError('BAD_INPUT', 'the cloud has 0 points');
  // Refused before anything is allocated for it: ONNX Runtime would take memory in proportion, or fail part-way.
  if (n > maxPoints) {
    throw new PnetError('BAD_INPUT', `the cloud has ${n} points, more than the ${maxPoints} this segmenter takes`, {
      remedy: 'subsample the cloud, or raise the bound (pnet infer --max-points, maxPoints of createSegmenter)',
    });
  }
  for (let i = 0; i < xyz.length; i++) {
    if (!Number.isFinite(xyz[i]!)) {
      throw new PnetError('BAD_INPUT', `point ${Math.floor(i / 3) + 1} has a non-finite coordinate (${xyz[i]})`);
    }
  }
  return n;
}

/** Point counts of a call's clouds, all checked before any runs; an error says which cloud it was. */
export function checkClouds(clouds: readonly Float32Array[], maxPoints = Infinity): number[] {
  return clouds.map((c, i) => {
    try {
      return checkCloud(c, maxPoints);
    } catch (e) {
      if (e instanceof PnetError && clouds.length > 1)
        throw new PnetError(e.code, `cloud ${i + 1} of ${clouds.length}: ${e.message}`, { remedy: e.remedy });
      throw e;
    }
  });
}
