/**
 * Training-time augmentation of one normalised cloud, in place, as the reference PointNet part-segmentation
 * trainers do it: a random anisotropic scale per axis, an optional random shift, an optional rotation about the
 * up axis (y in ShapeNet), then Gaussian jitter per coordinate. Applied after normalisation, so what the net sees
 * at inference (the unit-sphere cloud the exported graph makes) stays inside the training distribution.
 */
import type { Rng } from '../core/rng.ts';

export interface AugmentOptions {
  /** Per-axis scale drawn uniformly from [lo, hi]; [1, 1] leaves the cloud's proportions alone. */
  scale?: readonly [number, number];
  /** Each axis shifted by a uniform offset in [−shift, shift]. */
  shift?: number;
  /** Rotate by a uniform angle about the y (up) axis. */
  rotateUp?: boolean;
  /** Std-dev of Gaussian noise added to every coordinate. */
  jitter?: number;
}

export function isIdentityAugment(a: AugmentOptions): boolean {
  const [lo, hi] = a.scale ?? [1, 1];
  return lo === 1 && hi === 1 && !a.shift && !a.rotateUp && !a.jitter;
}

/** Augments xyz triples in place. Draws nothing from rng for the parts that are off, so old seeds keep their streams. */
export function augmentCloud(points: Float32Array, a: AugmentOptions, rng: Rng): void {
  const [lo, hi] = a.scale ?? [1, 1];
  if (lo !== 1 || hi !== 1 || a.shift || a.rotateUp) {
    const sx = rng.uniform(lo, hi);
    const sy = rng.uniform(lo, hi);
    const sz = rng.uniform(lo, hi);
    const s = a.shift ?? 0;
    const tx = s ? rng.uniform(-s, s) : 0;
    const ty = s ? rng.uniform(-s, s) : 0;
    const tz = s ? rng.uniform(-s, s) : 0;
    const angle = a.rotateUp ? rng.uniform(0, 2 * Math.PI) : 0;
    const c = Math.cos(angle);
    const sn = Math.sin(angle);
    for (let i = 0; i < points.length; i += 3) {
      const x = points[i]! * sx;
      const y = points[i + 1]! * sy;
      const z = points[i + 2]! * sz;
      points[i] = c * x + sn * z + tx;
      points[i + 1] = y + ty;
      points[i + 2] = -sn * x + c * z + tz;
    }
  }
  if (a.jitter) for (let i = 0; i < points.length; i++) points[i]! += a.jitter * rng.normal();
}
