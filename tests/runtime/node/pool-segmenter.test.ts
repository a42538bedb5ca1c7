import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import { createNodeSegmenter } from '../../../runtime/node/index.ts';
import { createSegmenterPool } from '../../../runtime/node/worker-pool.ts';
import type { Segmenter } from '../../../runtime/segmenter.ts';
import { tinyOnnx } from '../../helpers/tiny-model.ts';

let dir: string;
let model: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-pool-segmenter-'));
  model = await tinyOnnx(dir);
});

afterAll(() => rm(dir, { recursive: true, force: true }));

const rng = new Rng(11);
const cloud = (n: number): Float32Array => Float32Array.from({ length: 3 * n }, () => rng.uniform(-1, 1));

describe('SegmenterPool as a Segmenter', () => {
  it('segments as one session does, batches spread over the workers', async () => {
    const clouds = [cloud(30), cloud(20), cloud(30), cloud(30)];
    const one: Segmenter = await createNodeSegmenter(model);
    const pool: Segmenter = await createSegmenterPool(model, { workers: 2 });
    try {
      const [a, b] = [await one.segmentMany(clouds, { maxBatch: 2 }), await pool.segmentMany(clouds, { maxBatch: 2 })];
      expect(b.map((r) => Array.from(r.probabilities))).toEqual(a.map((r) => Array.from(r.probabilities)));
      expect((await pool.segment(clouds[1]!)).labels).toEqual((await one.segment(clouds[1]!)).labels);
      expect(pool.info).toEqual(one.info);
      expect(pool.executionProvider).toBe('cpu');
      await expect(pool.segmentMany([clouds[0]!, new Float32Array(2)])).rejects.toThrow(
        /^cloud 2 of 2: a cloud is a list of xyz triples/,
      );
    } finally {
      await Promise.all([one.dispose(), pool.dispose()]);
    }
  });
});
