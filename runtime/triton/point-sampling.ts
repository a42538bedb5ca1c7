/**
 * Fitting a cloud to a model served at a fixed point count N, and carrying the results back to every original
 * point. Sampled points get their own result; points left out (clouds larger than N) take the result of their
 * nearest sampled point, so the labels are an approximation there — serve without a fixed count for exact labels.
 */
import { Rng } from '../../src/core/rng.ts';

/** Seed of the sampling stream: the same cloud size always picks the same points. */
const SAMPLING_SEED = 0x706e6574;

/**
 * Indices of `target` points drawn from `n`: without replacement (in original order) when n ≥ target, else every
 * point once followed by `target − n` repeats drawn with replacement.
 */
export function fixedCountPointIndices(n: number, target: number): Int32Array {
  const rng = new Rng(SAMPLING_SEED ^ n);
  const out = new Int32Array(target);
  if (n >= target) {
    const pool = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < target; i++) {
      const j = i + rng.int(n - i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    out.set(pool.subarray(0, target).sort());
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n; i < target; i++) out[i] = rng.int(n);
  return out;
}

export interface ResampledCloud {
  /** xyz of the sampled points, length 3·target. */
  xyz: Float32Array;
  /** For each original point, the sample slot whose result it takes. */
  slotOf: Int32Array;
}

export function resampleCloud(xyz: Float32Array, target: number): ResampledCloud {
  const n = xyz.length / 3;
  const indices = fixedCountPointIndices(n, target);
  const sampled = new Float32Array(target * 3);
  const slotOf = new Int32Array(n).fill(-1);
  indices.forEach((p, slot) => {
    sampled.set(xyz.subarray(p * 3, p * 3 + 3), slot * 3);
    if (slotOf[p] === -1) slotOf[p] = slot;
  });
  for (let p = 0; p < n; p++) {
    if (slotOf[p] !== -1) continue;
    let best = 0;
    let bestDistance = Infinity;
    for (let s = 0; s < target; s++) {
      const dx = xyz[p * 3]! - sampled[s * 3]!;
      const dy = xyz[p * 3 + 1]! - sampled[s * 3 + 1]!;
      const dz = xyz[p * 3 + 2]! - sampled[s * 3 + 2]!;
      const d = dx * dx + dy * dy + dz * dz;
      if (d < bestDistance) {
        bestDistance = d;
        best = s;
      }
    }
    slotOf[p] = best;
  }
  return { xyz: sampled, slotOf };
}

/** Per-sample results → per-original-point results. */
export function gatherResults(
  slotOf: Int32Array,
  labels: Int32Array,
  probabilities: Float32Array,
  classes: number,
): { labels: Int32Array; probabilities: Float32Array } {
  const outLabels = new Int32Array(slotOf.length);
  const outProbabilities = new Float32Array(slotOf.length * classes);
  slotOf.forEach((slot, p) => {
    outLabels[p] = labels[slot]!;
    outProbabilities.set(probabilities.subarray(slot * classes, (slot + 1) * classes), p * classes);
  });
  return { labels: outLabels, probabilities: outProbabilities };
}
