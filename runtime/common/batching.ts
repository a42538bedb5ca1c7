/**
 * Batching of clouds for one model run: the graph takes [batch, num_points, 3] with one point count per run, so only
 * clouds of equal size can share a run. Grouping keeps the input order inside each group.
 */
import { normalizeUnitSphere } from '../../src/core/normalize.ts';
import type { ModelInfo } from '../segmenter.ts';

/**
 * Groups of cloud indices with equal point counts, each at most `maxBatch` long and, where clouds are batched, at most
 * `maxPoints` points in all (memory grows with the points of a run), in order of first appearance.
 */
export function planBatches(pointCounts: readonly number[], maxBatch: number, maxPoints = Infinity): number[][] {
  if (!Number.isInteger(maxBatch) || maxBatch < 1)
    throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
  const open = new Map<number, number[]>();
  const batches: number[][] = [];
  pointCounts.forEach((n, index) => {
    let batch = open.get(n);
    if (!batch || batch.length >= maxBatch || (batch.length + 1) * n > maxPoints) {
      batch = [];
      open.set(n, batch);
      batches.push(batch);
    }
    batch.push(index);
  });
  return batches;
}

/** Concatenates equal-size clouds into one [batch, n, 3] buffer (a single cloud is passed through uncopied). */
export function packBatch(clouds: readonly Float32Array[]): Float32Array {
  if (clouds.length === 1) return clouds[0]!;
  const size = clouds[0]!.length;
  const out = new Float32Array(size * clouds.length);
  clouds.forEach((c, i) => {
    if (c.length !== size) throw new RangeError('packBatch: clouds of different sizes');
    out.set(c, i * size);
  });
  return out;
}

/**
 * The model input for one run: raw xyz for models that normalise in the graph; for models exported with
 * `--no-normalize` (`pnet.normalization` = "none"), the same centre-and-scale training used, done here.
 */
export function packModelInput(
  clouds: readonly Float32Array[],
  normalization: ModelInfo['normalization'],
): Float32Array {
  return packBatch(normalization === 'none' ? clouds.map(normalizeUnitSphere) : clouds);
}

export interface CloudOutputs {
  labels: Int32Array;
  /** [numPoints, classes] row-major. */
  probabilities: Float32Array;
}

/**
 * Splits a run's outputs (probabilities [batch, n, classes], labels [batch, n] as int64 or int32) per cloud.
 * Labels are narrowed to Int32Array: class counts are tiny, and int64 is awkward everywhere downstream.
 */
export function unpackOutputs(
  probabilities: Float32Array,
  labels: BigInt64Array | Int32Array,
  batch: number,
  numPoints: number,
  classes: number,
): CloudOutputs[] {
  if (probabilities.length !== batch * numPoints * classes || labels.length !== batch * numPoints) {
    throw new RangeError(
      `model outputs have ${probabilities.length} probabilities and ${labels.length} labels; ` +
        `expected ${batch}×${numPoints}×${classes} and ${batch}×${numPoints}`,
    );
  }
  const out: CloudOutputs[] = [];
  for (let b = 0; b < batch; b++) {
    const l = new Int32Array(numPoints);
    const base = b * numPoints;
    for (let i = 0; i < numPoints; i++) l[i] = Number(labels[base + i]!);
    out.push({
      labels: l,
      probabilities: probabilities.slice(base * classes, (base + numPoints) * classes),
    });
  }
  return out;
}
