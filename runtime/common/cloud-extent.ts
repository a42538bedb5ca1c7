/**
 * Clouds whose size makes a model's answer meaningless, said in words. The graph (and training) centre each cloud
 * and divide by its radius in float32: squared distances overflow beyond ~1.8e19, so a cloud that large — or one
 * stray point that far out — gives every point the same probabilities; a cloud whose points all coincide has no
 * radius to divide by.
 */

/** Largest centred coordinate the float32 normalisation handles with room to spare (its square, times 3, is finite). */
export const MAX_MEANINGFUL_EXTENT = 1e18;

/**
 * float32's smallest normal number. Below it values are subnormal, and runtimes may flush them to zero (CPU kernels
 * set flush-to-zero for speed): a cloud whose points differ only by subnormal amounts comes back as if they
 * coincided, yet they are distinct, so the all-points-equal check alone misses it.
 */
export const MIN_NORMAL_FLOAT32 = 2 ** -126;

/** A one-sentence warning for a cloud the result cannot be trusted on, or undefined. `xyz` is finite (checked). */
export function cloudExtentWarning(xyz: Float32Array): string | undefined {
  const n = xyz.length / 3;
  if (n === 0) return undefined;
  // Centre in float64 so this check itself cannot overflow.
  const centre = [0, 0, 0];
  for (let i = 0; i < xyz.length; i++) centre[i % 3]! += xyz[i]! / n;
  let extent = 0;
  for (let i = 0; i < xyz.length; i++) extent = Math.max(extent, Math.abs(xyz[i]! - centre[i % 3]!));
  if (extent > MAX_MEANINGFUL_EXTENT) {
    return (
      `points lie up to ${extent.toExponential(1)} from the cloud's centre: beyond ${MAX_MEANINGFUL_EXTENT.toExponential(0)} ` +
      'the float32 normalisation overflows and the labels are meaningless (rescale the cloud, or drop stray points)'
    );
  }
  if (n > 1 && allPointsEqual(xyz)) return 'all points coincide: the cloud has no shape to segment';
  if (n > 1 && (extent < MIN_NORMAL_FLOAT32 || maxAbs(xyz) < MIN_NORMAL_FLOAT32)) {
    return (
      `the points lie within ${extent.toExponential(1)} of each other, below float32's normal range ` +
      `(${MIN_NORMAL_FLOAT32.toExponential(1)}), where the runtime may read them as 0: the labels are those of ` +
      'coinciding points and meaningless (rescale the cloud)'
    );
  }
  return undefined;
}

function maxAbs(xyz: Float32Array): number {
  let m = 0;
  for (let i = 0; i < xyz.length; i++) m = Math.max(m, Math.abs(xyz[i]!));
  return m;
}

function allPointsEqual(xyz: Float32Array): boolean {
  for (let i = 3; i < xyz.length; i++) if (xyz[i] !== xyz[i % 3]) return false;
  return true;
}

/**
 * `{ warning }` to spread into a SegmentResult, or nothing: the cloud's extent, or outputs that are not finite (the
 * labels of NaN probabilities are all class 0, which would otherwise pass for an answer).
 */
export function extentWarningOf(xyz: Float32Array, probabilities?: Float32Array): { warning?: string } {
  const warning =
    cloudExtentWarning(xyz) ??
    (probabilities && !probabilities.every(Number.isFinite)
      ? 'the model gave NaN or infinite probabilities: the labels are meaningless'
      : undefined);
  return warning === undefined ? {} : { warning };
}
