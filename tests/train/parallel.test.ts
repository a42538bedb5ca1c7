import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PointNet } from '../../src/model/pointnet.ts';
import { initialWeights, modelArchitecture, type WeightMap } from '../../src/model/spec.ts';
import { Adam } from '../../src/train/adam.ts';
import { trainStep, type StepResult } from '../../src/train/step.ts';
import { NonFiniteStep } from '../../src/train/divergence.ts';
import { FAST_OPS } from '../../src/model/ops.ts';
import { PLAIN_LOSS, type LossOptions } from '../../src/train/loss-options.ts';
import { splitBatch, startParallelExecutor } from '../../src/train/parallel/executor.ts';
import { spawnNodeStepWorker as spawn } from '../../src/train/parallel/node-transport.ts';
import type { Batch } from '../../src/data/types.ts';
import { Rng } from '../../src/core/rng.ts';
import { NARROW_PRESET } from '../fixtures/presets.ts';

const CLASSES = 4;
const layout = modelArchitecture(NARROW_PRESET, CLASSES);

function randomBatch(rng: Rng, size: number, numPoints: number): Batch {
  return {
    size,
    numPoints,
    points: Float32Array.from({ length: size * numPoints * 3 }, () => rng.uniform(-1, 1)),
    labels: Int32Array.from({ length: size * numPoints }, () => rng.int(CLASSES)),
  };
}

/** Weights whose T-Net outputs are not zero, so every layer carries gradient from the first step. */
function startingWeights(): WeightMap {
  const weights = initialWeights(layout, 7);
  const rng = new Rng(9);
  for (const name of ['input_tnet/final/kernel', 'feature_tnet/final/kernel']) {
    const w = weights.get(name)!;
    for (let i = 0; i < w.data.length; i++) w.data[i] = rng.uniform(-0.2, 0.2);
  }
  return weights;
}

function norm(a: Float32Array): number {
  return Math.sqrt(a.reduce((s, v) => s + v * v, 0));
}

function distance(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(d);
}

/**
 * Betas of blocks that feed a max-pool followed by batch norm have zero gradient in exact math (the next batch
 * norm cancels a shift of the maxima), so their gradient is rounding noise, which Adam's normalisation turns into
 * steps of the learning rate's size in a direction that depends on the order of the sums.
 */
const NOISE_ONLY = /^(input_tnet\/conv3|feature_tnet\/conv3|features\/conv5)\/bn\/beta$/;

interface Run {
  model: PointNet;
  optimizer: Adam;
  results: StepResult[];
}

async function trainBoth(
  batches: Batch[],
  lr: number,
  loss: LossOptions = PLAIN_LOSS,
): Promise<{ one: Run; two: Run }> {
  const model = PointNet.create(layout, startingWeights());
  const optimizer = new Adam(model.trainableParams());
  const one = { model, optimizer, results: batches.map((b) => trainStep(model, optimizer, b, lr, FAST_OPS, loss)) };
  const pModel = PointNet.create(layout, startingWeights());
  const pOptimizer = new Adam(pModel.trainableParams());
  const executor = await startParallelExecutor({
    workers: 2,
    backend: 'cpu',
    model: pModel,
    optimizer: pOptimizer,
    loss,
    spawn,
  });
  const results: StepResult[] = [];
  try {
    for (const b of batches) results.push(await executor.trainStep(b, lr));
  } finally {
    await executor.close();
  }
  return { one, two: { model: pModel, optimizer: pOptimizer, results } };
}

function dispose(...runs: Run[]): void {
  for (const r of runs) {
    r.optimizer.dispose();
    r.model.dispose();
  }
}

/** Argmax of each row of a [rows, classes] score matrix. */
function argmaxRows(scores: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(scores.length / classes);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[r * classes + c]! > scores[r * classes + best]!) best = c;
    out[r] = best;
  }
  return out;
}

describe('data-parallel training steps', () => {
  const rng = new Rng(21);
  // Five clouds: the two workers' shards differ in size (3 + 2).
  const batches = Array.from({ length: 3 }, () => randomBatch(rng, 5, 32));

  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('splits a batch into consecutive shards of near-equal size', () => {
    const b = batches[0]!;
    const shards = splitBatch(b, 2);
    expect(shards.map((s) => s.size)).toEqual([3, 2]);
    expect(Float32Array.from([...shards[0]!.points, ...shards[1]!.points])).toEqual(b.points);
    expect(Int32Array.from([...shards[0]!.labels, ...shards[1]!.labels])).toEqual(b.labels);
  });

  it('on two workers give the one-batch gradient and batch-norm statistics of one thread', async () => {
    // Learning rate 0: the weights stay put and Adam's first moment is 0.1 × the gradient.
    const { one, two } = await trainBoth(batches.slice(0, 1), 0);
    expect(Math.abs(two.results[0]!.loss - one.results[0]!.loss)).toBeLessThan(1e-5 * one.results[0]!.loss);
    expect(Math.abs(two.results[0]!.crossEntropy - one.results[0]!.crossEntropy)).toBeLessThan(
      1e-5 * one.results[0]!.crossEntropy,
    );
    expect(argmaxRows(two.results[0]!.scores, CLASSES)).toEqual(argmaxRows(one.results[0]!.scores, CLASSES));
    const m1 = one.optimizer.getState().filter((t) => t.name.startsWith('optimizer/adam/m/'));
    const m2 = two.optimizer.getState().filter((t) => t.name.startsWith('optimizer/adam/m/'));
    const typical = Math.sqrt(m1.reduce((s, t) => s + norm(t.data) ** 2, 0) / m1.length);
    for (let i = 0; i < m1.length; i++) {
      expect(
        distance(m2[i]!.data, m1[i]!.data) / Math.max(norm(m1[i]!.data), typical * 1e-2),
        m1[i]!.name,
      ).toBeLessThan(1e-4);
    }
    // Moving statistics are updated from the batch statistics: those of all five clouds, not of one shard.
    const w1 = one.model.getWeights();
    const w2 = two.model.getWeights();
    let stats = 0;
    for (const [name, w] of w1) {
      if (!/moving_(mean|variance)$/.test(name)) continue;
      stats++;
      expect(distance(w2.get(name)!.data, w.data) / norm(w.data), name).toBeLessThan(1e-5);
    }
    expect(stats).toBeGreaterThan(20);
    dispose(one, two);
  }, 60_000);

  it('on two workers train against the same smoothed, part-weighted targets as one thread', async () => {
    const { one, two } = await trainBoth(batches.slice(0, 1), 0, { labelSmoothing: 0.2, classWeights: [0.5, 1, 2, 4] });
    const plain = await trainBoth(batches.slice(0, 1), 0);
    const [r1, r2, r0] = [one.results[0]!, two.results[0]!, plain.one.results[0]!];
    expect(Math.abs(r2.loss - r1.loss)).toBeLessThan(1e-5 * r1.loss);
    // The same predictions, so the same plain cross-entropy; the shaped objective is another number.
    expect(Math.abs(r1.crossEntropy - r0.crossEntropy)).toBeLessThan(1e-5 * r0.crossEntropy);
    expect(Math.abs(r1.loss - r0.loss)).toBeGreaterThan(1e-3);
    dispose(one, two, plain.one, plain.two);
  }, 60_000);

  it('on two workers give the weights of one thread after a few steps', async () => {
    const { one, two } = await trainBoth(batches, 1e-3);
    for (let s = 0; s < batches.length; s++) {
      expect(Math.abs(two.results[s]!.loss - one.results[s]!.loss)).toBeLessThan(1e-4 * one.results[s]!.loss);
    }
    expect(two.optimizer.step).toBe(3);
    const start = startingWeights();
    const w1 = one.model.getWeights();
    const w2 = two.model.getWeights();
    let compared = 0;
    for (const [name, w] of w1) {
      if (NOISE_ONLY.test(name)) continue;
      const moved = distance(w.data, start.get(name)!.data);
      if (moved === 0) continue;
      compared++;
      const gap = distance(w2.get(name)!.data, w.data);
      // Float tolerance: far below both the weights and how far three steps moved them.
      expect(gap / norm(w.data), name).toBeLessThan(2e-3);
      expect(gap / moved, name).toBeLessThan(2e-2);
    }
    expect(compared).toBeGreaterThan(w1.size * 0.7);
    dispose(one, two);
  }, 60_000);

  it('stop on every worker before any update when a step goes non-finite, and go on from the same state', async () => {
    const model = PointNet.create(layout, startingWeights());
    const optimizer = new Adam(model.trainableParams());
    const executor = await startParallelExecutor({ workers: 2, backend: 'cpu', model, optimizer, spawn });
    try {
      const good = batches[0]!;
      // One NaN coordinate in the second worker's shard (clouds 3 and 4).
      const bad = { ...good, points: good.points.slice() };
      bad.points[4 * 32 * 3 + 5] = Number.NaN;
      await expect(executor.trainStep(bad, 1e-3)).rejects.toBeInstanceOf(NonFiniteStep);
      expect(optimizer.step).toBe(0);
      for (const t of optimizer.getState())
        expect(
          t.data.some((x) => x !== 0),
          t.name,
        ).toBe(false);
      // Had any worker updated its share of the weights or moments, this step would not match one thread's.
      const after = await executor.trainStep(good, 1e-3);
      const oneModel = PointNet.create(layout, startingWeights());
      const oneOptimizer = new Adam(oneModel.trainableParams());
      const expected = trainStep(oneModel, oneOptimizer, good, 1e-3);
      expect(Math.abs(after.loss - expected.loss)).toBeLessThan(1e-4 * expected.loss);
      const w1 = oneModel.getWeights();
      const w2 = model.getWeights();
      for (const [name, w] of w1) {
        if (NOISE_ONLY.test(name)) continue;
        const gap = distance(w2.get(name)!.data, w.data);
        expect(Number.isFinite(gap), name).toBe(true);
        if (norm(w.data) > 0) expect(gap / norm(w.data), name).toBeLessThan(2e-3);
      }
      dispose({ model: oneModel, optimizer: oneOptimizer, results: [] });
    } finally {
      await executor.close();
      dispose({ model, optimizer, results: [] });
    }
  }, 60_000);

  it('predict as one thread does, refuse a batch smaller than the worker count, and survive a failed worker', async () => {
    const model = PointNet.create(layout, startingWeights());
    const optimizer = new Adam(model.trainableParams());
    const executor = await startParallelExecutor({ workers: 2, backend: 'cpu', model, optimizer, spawn });
    try {
      const batch = randomBatch(rng, 3, 32);
      const own = await executor.predictBatch(batch);
      const expected = model.predict(tf.tensor3d(batch.points, [3, 32, 3]));
      const labels = new Int32Array(tf.argMax(expected, 2).dataSync());
      expected.dispose();
      expect(argmaxRows(own.scores, CLASSES)).toEqual(labels);
      await expect(executor.trainStep(randomBatch(rng, 1, 32), 1e-3)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
      // A worker that fails mid-step (here: its shard lacks points) stops this thread at the next barrier instead of
      // leaving it waiting, the worker's own error is reported, and the next step runs normally.
      const broken = randomBatch(rng, 4, 32);
      const short = { ...broken, points: broken.points.slice(0, 3 * 32 * 3) };
      await expect(executor.trainStep(short, 1e-3)).rejects.toThrow(/shape|size|match/i);
      const after = await executor.trainStep(randomBatch(rng, 4, 32), 1e-3);
      expect(Number.isFinite(after.loss)).toBe(true);
      expect(optimizer.step).toBe(1);
    } finally {
      await executor.close();
      dispose({ model, optimizer, results: [] });
    }
  }, 60_000);
});
