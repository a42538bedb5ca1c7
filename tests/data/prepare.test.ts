import { mkdtempSync, utimesSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import {
  loadDataset,
  makeBatches,
  normalizeUnitSphere,
  prepareClouds,
  randomPointIndices,
  splitTrainVal,
} from '../../src/data/index.ts';
import type { Cloud } from '../../src/data/index.ts';
import { cloudText, goodCloud, writePartAnnotation } from './fixtures.ts';

function randomCloud(id: string, n: number, seed: number): Cloud {
  const rng = new Rng(seed);
  const points = Float32Array.from({ length: n * 3 }, () => rng.uniform(-3, 7));
  const labels = Int32Array.from({ length: n }, () => rng.int(4));
  return { id, category: 'Airplane', points, labels, source: `${id}.pts` };
}

describe('normalisation', () => {
  it('centres on the centroid and scales the farthest point to norm 1', () => {
    const c = randomCloud('a', 500, 1);
    const out = normalizeUnitSphere(c.points);
    const mean = [0, 0, 0];
    let maxNorm = 0;
    for (let i = 0; i < 500; i++) {
      for (let k = 0; k < 3; k++) mean[k]! += out[i * 3 + k]! / 500;
      maxNorm = Math.max(maxNorm, Math.hypot(out[i * 3]!, out[i * 3 + 1]!, out[i * 3 + 2]!));
    }
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(1e-5);
    expect(maxNorm).toBeCloseTo(1, 5);
  });
});

describe('sampling', () => {
  it('is deterministic per seed, distinct without replacement, and differs across seeds', () => {
    const a = randomPointIndices(2000, 1024, new Rng(5));
    const b = randomPointIndices(2000, 1024, new Rng(5));
    const c = randomPointIndices(2000, 1024, new Rng(6));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(new Set(a).size).toBe(1024);
  });

  it('skips short clouds by default, resamples them with replacement when asked; labels follow their points', () => {
    const clouds = [randomCloud('long', 3000, 1), randomCloud('short', 700, 2)];
    const skip = prepareClouds(clouds, { numPoints: 1024, seed: 1 });
    expect(skip.map((c) => c.id)).toEqual(['long']);
    const resampled = prepareClouds(clouds, { numPoints: 1024, seed: 1, short: 'resample' });
    expect(resampled.map((c) => c.id)).toEqual(['long', 'short']);
    const again = prepareClouds(clouds, { numPoints: 1024, seed: 1, short: 'resample' });
    expect(Array.from(again[1]!.points)).toEqual(Array.from(resampled[1]!.points));
    // Labels must travel with their points: y encodes the label, so equal labels ⇔ equal y, in the same order.
    const tagged: Cloud = {
      id: 't',
      category: 'Airplane',
      source: 't.pts',
      points: Float32Array.from({ length: 3000 * 3 }, (_, i) =>
        i % 3 === 0 ? i / 3 : i % 3 === 1 ? ((i - 1) / 3) % 4 : 0,
      ),
      labels: Int32Array.from({ length: 3000 }, (_, k) => k % 4),
    };
    const t = prepareClouds([tagged], { numPoints: 256, seed: 3 })[0]!;
    for (let i = 1; i < 256; i++) {
      const dy = t.points[i * 3 + 1]! - t.points[1]!;
      const dl = t.labels[i]! - t.labels[0]!;
      expect(Math.sign(Math.round(dy * 1e5))).toBe(Math.sign(dl));
    }
  });
});

describe('split and batches', () => {
  it('splits 80/20 deterministically by seed, without overlap', () => {
    const prepared = prepareClouds(
      Array.from({ length: 50 }, (_, i) => randomCloud(`c${i}`, 64, i)),
      { numPoints: 32, seed: 1 },
    );
    const a = splitTrainVal({}, prepared, { seed: 4 });
    const b = splitTrainVal({}, prepared, { seed: 4 });
    expect(a.val).toHaveLength(10);
    expect(a.train).toHaveLength(40);
    expect(a.val.map((c) => c.id)).toEqual(b.val.map((c) => c.id));
    expect(a.train.some((t) => a.val.includes(t))).toBe(false);
    expect(splitTrainVal({}, prepared, { seed: 5 }).val.map((c) => c.id)).not.toEqual(a.val.map((c) => c.id));
  });

  it('uses the official lists when both train and val name present clouds', () => {
    const prepared = prepareClouds(
      ['a', 'b', 'c'].map((id, i) => randomCloud(id, 64, i)),
      { numPoints: 16, seed: 1 },
    );
    const s = splitTrainVal({ officialSplit: { train: ['a', 'c'], val: ['b'], test: [] } }, prepared, { seed: 1 });
    expect(s.train.map((c) => c.id)).toEqual(['a', 'c']);
    expect(s.val.map((c) => c.id)).toEqual(['b']);
  });

  it('trains on train + val with trainval, keeping the official test list out', () => {
    const prepared = prepareClouds(
      ['a', 'b', 'c', 'd'].map((id, i) => randomCloud(id, 64, i)),
      { numPoints: 16, seed: 1 },
    );
    const official = { officialSplit: { train: ['a', 'c'], val: ['b'], test: ['d'] } };
    const s = splitTrainVal(official, prepared, { seed: 1, trainOn: 'trainval' });
    expect(s.train.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(s.val).toEqual([]);
    // Without official lists, both sides of the seeded split: every cloud.
    const seeded = splitTrainVal({}, prepared, { seed: 1, trainOn: 'trainval' });
    expect(seeded.train.map((c) => c.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('packs batches as typed arrays, jitter only when asked', () => {
    const prepared = prepareClouds(
      Array.from({ length: 5 }, (_, i) => randomCloud(`c${i}`, 64, i)),
      { numPoints: 16, seed: 1 },
    );
    const plain = makeBatches(prepared, { batchSize: 2, seed: 1, shuffle: false });
    expect(plain.map((b) => b.size)).toEqual([2, 2, 1]);
    expect(plain[0]!.points).toHaveLength(2 * 16 * 3);
    expect(Array.from(plain[0]!.points.subarray(0, 48))).toEqual(Array.from(prepared[0]!.points));
    expect(
      makeBatches(prepared, { batchSize: 2, seed: 1, shuffle: false, keepPartial: false }).map((b) => b.size),
    ).toEqual([2, 2]);
    const jittered = makeBatches(prepared, { batchSize: 2, seed: 1, shuffle: false, jitter: 0.01 });
    const diff = Math.max(...Array.from(jittered[0]!.points, (v, i) => Math.abs(v - plain[0]!.points[i]!)));
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.1);
    expect(Array.from(jittered[0]!.labels)).toEqual(Array.from(plain[0]!.labels));
  });
});

describe('parsed-cloud cache', () => {
  it('serves the second load from the cache and notices a changed file', async () => {
    process.env.PNET_CACHE_DIR = mkdtempSync(join(tmpdir(), 'pnet-cache-'));
    const root = writePartAnnotation([goodCloud('a'), goodCloud('b')]);
    const first = await loadDataset(root);
    expect(readdirSync(process.env.PNET_CACHE_DIR)).toHaveLength(1);
    const second = await loadDataset(root);
    expect(Array.from(second.clouds[1]!.points)).toEqual(Array.from(first.clouds[1]!.points));
    expect(Array.from(second.clouds[1]!.labels!)).toEqual(Array.from(first.clouds[1]!.labels!));
    const file = join(root, 'PartAnnotation', '02691156', 'points', 'b.pts');
    writeFileSync(file, cloudText(6, 100));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const third = await loadDataset(root);
    expect(third.clouds[1]!.points[0]).toBeCloseTo(10, 5);
    expect(readdirSync(process.env.PNET_CACHE_DIR)).toHaveLength(2);
    delete process.env.PNET_CACHE_DIR;
  });
});
