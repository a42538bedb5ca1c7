import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PointNet } from '../../src/model/pointnet.ts';
import { FAST_OPS, PLAIN_OPS, type BatchStats, type LayerOps } from '../../src/model/ops.ts';
import { initialWeights, modelArchitecture, type PresetSpec } from '../../src/model/spec.ts';
import { segmentationLoss } from '../../src/train/loss.ts';
import { Rng } from '../../src/core/rng.ts';

const TINY: PresetSpec = {
  name: 'tiny',
  inputTnet: { conv: [8, 8, 16], dense: [8, 8] },
  features: [8, 8, 6],
  featureTnet: { conv: [8, 8, 16], dense: [8, 8] },
  features2: [8, 16],
  segHidden: 8,
  batchNorm: { epsilon: 0.001, momentum: 0.9 },
  orthoWeight: 0.01,
};

function norm(a: Float32Array): number {
  return Math.sqrt(a.reduce((s, v) => s + v * v, 0));
}

/** ‖a − b‖ / max(‖b‖, floor): the floor keeps gradients that are zero in exact math (noise) from dividing by ~0. */
function relativeError(a: Float32Array, b: Float32Array, floor = 1e-12): number {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(diff) / Math.max(norm(b), floor);
}

function run(model: PointNet, ops: LayerOps, points: tf.Tensor3D, labels: tf.Tensor1D) {
  const stats = new Map<string, BatchStats>();
  const vars = model.trainableParams();
  const { value, grads } = tf.variableGrads(
    () => {
      const out = model.forwardTraining(points, { ops, onStats: (prefix, s) => stats.set(prefix, s) });
      return segmentationLoss(out, labels, TINY.orthoWeight, ops).total;
    },
    vars.map((v) => v.variable),
  );
  const result = {
    loss: value.dataSync()[0]!,
    grads: new Map(vars.map((v) => [v.name, grads[v.variable.name]!.dataSync() as Float32Array])),
    means: new Map([...stats].map(([k, s]) => [k, s.mean.dataSync() as Float32Array])),
  };
  tf.dispose([value, ...Object.values(grads), ...[...stats.values()].flatMap((s) => [s.mean, s.variance])]);
  return result;
}

describe('explicit-gradient layers', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('match TF.js autograd of the plain formulation', () => {
    const layout = modelArchitecture(TINY, 4);
    const weights = initialWeights(layout, 11);
    // Non-zero T-Net outputs so the transforms and the regulariser carry gradient.
    const rng = new Rng(5);
    for (const name of ['input_tnet/final/kernel', 'feature_tnet/final/kernel']) {
      const w = weights.get(name)!;
      for (let i = 0; i < w.data.length; i++) w.data[i] = rng.uniform(-0.3, 0.3);
    }
    const model = PointNet.create(layout, weights);
    const [b, n] = [3, 100];
    const points = tf.tensor3d(
      Float32Array.from({ length: b * n * 3 }, () => rng.uniform(-1, 1)),
      [b, n, 3],
    );
    const labels = tf.tensor1d(
      Int32Array.from({ length: b * n }, () => rng.int(4)),
      'int32',
    );

    const fast = run(model, FAST_OPS, points, labels);
    const plain = run(model, PLAIN_OPS, points, labels);
    expect(Math.abs(fast.loss - plain.loss)).toBeLessThan(1e-5 * Math.abs(plain.loss));
    expect(fast.grads.size).toBe(plain.grads.size);
    // The beta of a block feeding a max-pool + batch norm has zero gradient in exact math (the next batch norm
    // cancels a shift of the maxima): measure such noise against the typical gradient size instead.
    const typical = Math.sqrt([...plain.grads.values()].reduce((s, g) => s + norm(g) ** 2, 0) / plain.grads.size);
    for (const [name, g] of plain.grads) {
      expect(relativeError(fast.grads.get(name)!, g, typical * 1e-2), name).toBeLessThan(1e-4);
    }
    // Most gradients are far from zero, so the comparison above is not vacuous.
    const sizable = [...plain.grads.values()].filter((g) => norm(g) > typical * 1e-2).length;
    expect(sizable).toBeGreaterThan(plain.grads.size * 0.8);
    for (const [prefix, m] of plain.means) expect(relativeError(fast.means.get(prefix)!, m), prefix).toBeLessThan(1e-5);
    tf.dispose([points, labels]);
    model.dispose();
  });
});
