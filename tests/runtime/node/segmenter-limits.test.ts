/**
 * The library face of the bound on points: `maxPoints` of createNodeSegmenter (and the pool) refuses larger clouds
 * before they run and caps the points of a batched run; an error ONNX Runtime raises while running is RUN_FAILED
 * naming the model.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planBatches } from '../../../runtime/common/batching.ts';
import { createNodeSegmenter, createSegmenterPool } from '../../../runtime/node/index.ts';
import { DEFAULT_MAX_POINTS } from '../../../runtime/node/node-segmenter.ts';
import { PnetError } from '../../../src/core/errors.ts';
import { linearPnetModel, type LinearModelOptions } from './onnx-fixtures.ts';

let dir: string;
let plain: string;
let failing: string;
const base: LinearModelOptions = {
  weights: Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
  classes: ['a', 'b', 'c'],
  colors: ['#ff0000', '#00ff00', '#0000ff'],
};
const cloudOf = (points: number): Float32Array =>
  Float32Array.from({ length: points * 3 }, (_, i) => Math.sin(i * 1.7));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-segmenter-limits-'));
  plain = join(dir, 'plain.onnx');
  failing = join(dir, 'failing.onnx');
  await writeFile(plain, linearPnetModel(base));
  await writeFile(failing, linearPnetModel({ ...base, failAbovePoints: 10 }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<PnetError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PnetError);
  return e as PnetError;
}

describe('maxPoints', () => {
  it('defaults to 100,000 points', () => {
    expect(DEFAULT_MAX_POINTS).toBe(100_000);
  });

  it('refuses a larger cloud before it runs; a cloud at the bound runs', async () => {
    const s = await createNodeSegmenter(plain, { maxPoints: 20 });
    try {
      expect((await s.segment(cloudOf(20))).numPoints).toBe(20);
      const e = await rejection(s.segment(cloudOf(21)));
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message).toBe('the cloud has 21 points, more than the 20 this segmenter takes');
      expect(e.remedy).toMatch(/subsample the cloud/);
      const many = await rejection(s.segmentMany([cloudOf(5), cloudOf(21)]));
      expect(many.message).toMatch(/^cloud 2 of 2: the cloud has 21 points/);
    } finally {
      await s.dispose();
    }
  });

  it('the pool refuses alike', async () => {
    const pool = await createSegmenterPool(plain, { workers: 1, maxPoints: 20 });
    try {
      expect((await rejection(pool.segment(cloudOf(21)))).message).toMatch(/21 points, more than the 20/);
    } finally {
      await pool.dispose();
    }
  });

  it('must be a positive integer', async () => {
    for (const maxPoints of [0, -1, 1.5, Number.NaN]) {
      const e = await rejection(createNodeSegmenter(plain, { maxPoints }));
      expect(e.code).toBe('BAD_ARGUMENT');
    }
  });

  it('caps the points of a batched run (batch × points ≤ maxPoints)', () => {
    expect(planBatches([10, 10, 10, 10, 10], 8, 25)).toEqual([[0, 1], [2, 3], [4]]);
    expect(planBatches([10, 10, 10], 8)).toEqual([[0, 1, 2]]);
  });
});

describe('an ONNX Runtime error while running', () => {
  it('is RUN_FAILED naming the model, with what to do about memory', async () => {
    const s = await createNodeSegmenter(failing);
    try {
      expect((await s.segment(cloudOf(10))).numPoints).toBe(10);
      const e = await rejection(s.segment(cloudOf(11)));
      expect(e.code).toBe('RUN_FAILED');
      expect(e.file).toBe(failing);
      expect(e.message).toMatch(
        /^onnxruntime failed on a cloud of 11 points \(model .*failing\.onnx\): .*Failed to allocate/,
      );
      expect(e.remedy).toMatch(/subsample the cloud/);
      // The session still runs other clouds.
      expect((await s.segment(cloudOf(3))).numPoints).toBe(3);
    } finally {
      await s.dispose();
    }
  });

  it("quotes at most 1,000 characters of ORT's message (a node name of 1 MB)", async () => {
    const file = join(dir, 'huge-node-name.onnx');
    await writeFile(file, linearPnetModel({ ...base, failAbovePoints: 10, failingNodeName: 'n'.repeat(1_000_000) }));
    const s = await createNodeSegmenter(file);
    try {
      const e = await rejection(s.segment(cloudOf(11)));
      expect(e.code).toBe('RUN_FAILED');
      expect(e.message.length).toBeLessThan(1500);
      expect(e.message).toMatch(/… \(\d{7} characters\)$/);
    } finally {
      await s.dispose();
    }
  });
});
