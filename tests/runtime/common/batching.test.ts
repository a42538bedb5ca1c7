import { describe, expect, it } from 'vitest';
import { packBatch, planBatches, unpackOutputs } from '../../../runtime/common/batching.ts';
import { checkCloud } from '../../../runtime/common/cloud-check.ts';

describe('planBatches', () => {
  it('groups equal sizes in order of first appearance, at most maxBatch per group', () => {
    expect(planBatches([5, 7, 5, 5, 7, 5, 9], 2)).toEqual([[0, 2], [1, 4], [3, 5], [6]]);
    expect(planBatches([5, 7, 5, 5, 7, 5, 9], 8)).toEqual([[0, 2, 3, 5], [1, 4], [6]]);
    expect(planBatches([], 4)).toEqual([]);
  });

  it('covers every index exactly once', () => {
    const sizes = Array.from({ length: 50 }, (_, i) => (i * 7) % 4);
    const flat = planBatches(sizes, 3)
      .flat()
      .sort((a, b) => a - b);
    expect(flat).toEqual(sizes.map((_, i) => i));
    for (const b of planBatches(sizes, 3)) expect(new Set(b.map((i) => sizes[i])).size).toBe(1);
  });

  it('rejects a non-positive maxBatch', () => {
    expect(() => planBatches([1], 0)).toThrow(RangeError);
  });
});

describe('packBatch / unpackOutputs', () => {
  it('packs clouds back to back and splits outputs per cloud', () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float32Array([7, 8, 9, 10, 11, 12]);
    expect(Array.from(packBatch([a, b]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(packBatch([a])).toBe(a);
    const probs = new Float32Array([0.1, 0.9, 0.8, 0.2, 0.3, 0.7, 0.6, 0.4]);
    const labels = new BigInt64Array([1n, 0n, 1n, 0n]);
    const out = unpackOutputs(probs, labels, 2, 2, 2);
    expect(Array.from(out[0]!.labels)).toEqual([1, 0]);
    expect(Array.from(out[1]!.labels)).toEqual([1, 0]);
    expect(Array.from(out[1]!.probabilities)).toEqual(Array.from(probs.slice(4)));
    expect(() => unpackOutputs(probs, labels, 2, 3, 2)).toThrow(/expected/);
  });
});

describe('checkCloud', () => {
  it('returns the point count of a good cloud and rejects bad ones', () => {
    expect(checkCloud(new Float32Array(6))).toBe(2);
    expect(() => checkCloud(new Float32Array(0))).toThrow(/0 points/);
    expect(() => checkCloud(new Float32Array(4))).toThrow(/not a multiple of 3/);
    expect(() => checkCloud(new Float32Array([0, 0, 0, 1, NaN, 2]))).toThrow(/point 2 has a non-finite/);
    expect(() => checkCloud(new Float32Array([Infinity, 0, 0]))).toThrow(/point 1/);
  });
});
