import { describe, expect, it } from 'vitest';
import { augmentCloud, isIdentityAugment } from '../../src/data/augment.ts';
import { Rng } from '../../src/core/rng.ts';

function cloud(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * 3 }, () => rng.uniform(-1, 1));
}

describe('augmentCloud', () => {
  it('leaves the cloud and the random stream alone when every part is off', () => {
    const pts = cloud(50, 1);
    const before = Float32Array.from(pts);
    const rng = new Rng(7);
    const options = { scale: [1, 1] as const, shift: 0, rotateUp: false, jitter: 0 };
    expect(isIdentityAugment(options)).toBe(true);
    augmentCloud(pts, options, rng);
    expect(Array.from(pts)).toEqual(Array.from(before));
    expect(rng.next()).toBe(new Rng(7).next());
  });

  it('scales each axis by one factor in range for the whole cloud', () => {
    const pts = cloud(200, 2);
    const before = Float32Array.from(pts);
    augmentCloud(pts, { scale: [0.8, 1.25] }, new Rng(3));
    for (let axis = 0; axis < 3; axis++) {
      const ratios = new Set<string>();
      for (let i = axis; i < pts.length; i += 3) ratios.add((pts[i]! / before[i]!).toFixed(4));
      expect(ratios.size).toBe(1);
      const r = Number([...ratios][0]);
      expect(r).toBeGreaterThanOrEqual(0.8);
      expect(r).toBeLessThanOrEqual(1.25);
    }
  });

  it('rotates about y only: heights and horizontal radii are kept', () => {
    const pts = cloud(100, 4);
    const before = Float32Array.from(pts);
    augmentCloud(pts, { rotateUp: true }, new Rng(5));
    let moved = 0;
    for (let i = 0; i < pts.length; i += 3) {
      expect(pts[i + 1]).toBeCloseTo(before[i + 1]!, 5);
      expect(Math.hypot(pts[i]!, pts[i + 2]!)).toBeCloseTo(Math.hypot(before[i]!, before[i + 2]!), 5);
      moved = Math.max(moved, Math.abs(pts[i]! - before[i]!));
    }
    expect(moved).toBeGreaterThan(1e-3);
  });

  it('shifts the whole cloud by at most the bound per axis', () => {
    const pts = cloud(100, 6);
    const before = Float32Array.from(pts);
    augmentCloud(pts, { shift: 0.1 }, new Rng(8));
    for (let axis = 0; axis < 3; axis++) {
      const d = pts[axis]! - before[axis]!;
      expect(Math.abs(d)).toBeLessThanOrEqual(0.1);
      for (let i = axis; i < pts.length; i += 3) expect(pts[i]! - before[i]!).toBeCloseTo(d, 5);
    }
  });
});
