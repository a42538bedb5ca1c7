import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PointNet } from '../../src/model/pointnet.ts';
import { initialWeights, modelArchitecture } from '../../src/model/spec.ts';
import { loadPreset } from '../../src/model/preset-files.ts';
import { Rng } from '../../src/core/rng.ts';

function randomCloud(b: number, n: number, seed: number): tf.Tensor3D {
  const rng = new Rng(seed);
  const data = new Float32Array(b * n * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1) / Math.sqrt(3);
  return tf.tensor3d(data, [b, n, 3]);
}

describe('PointNet', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('has 7,370,062 parameters with the keras preset and 5 classes', () => {
    const layout = modelArchitecture(loadPreset('keras'), 5);
    const model = PointNet.create(layout, initialWeights(layout, 1));
    expect(model.countParams()).toBe(7_370_062);
    const counted = [...model.getWeights().values()].reduce((n, w) => n + w.data.length, 0);
    expect(counted).toBe(7_370_062);
    model.dispose();
  });

  it('counts the lite preset from its own widths', () => {
    const layout = modelArchitecture(loadPreset('lite'), 5);
    const model = PointNet.create(layout, initialWeights(layout, 1));
    const counted = [...model.getWeights().values()].reduce((n, w) => n + w.data.length, 0);
    expect(model.countParams()).toBe(counted);
    expect(counted).toBeGreaterThan(100_000);
    expect(counted).toBeLessThan(7_370_062 / 4);
    model.dispose();
  });

  it('predicts probabilities for any point count (dynamic N)', () => {
    const layout = modelArchitecture(loadPreset('lite'), 4);
    const model = PointNet.create(layout, initialWeights(layout, 7));
    for (const [b, n] of [
      [2, 1024],
      [1, 2500],
    ] as const) {
      const x = randomCloud(b, n, n);
      const probs = model.predict(x);
      expect(probs.shape).toEqual([b, n, 4]);
      const sums = tf.sum(probs, 2).dataSync();
      for (const s of sums) expect(s).toBeCloseTo(1, 5);
      const values = probs.dataSync();
      expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
      tf.dispose([x, probs]);
    }
    model.dispose();
  });

  it('round-trips weights by spec name', () => {
    const layout = modelArchitecture(loadPreset('lite'), 3);
    const w = initialWeights(layout, 3);
    const model = PointNet.create(layout, w);
    const back = model.getWeights();
    expect([...back.keys()]).toEqual([...w.keys()]);
    for (const [name, v] of w) expect(back.get(name)!.data).toEqual(v.data);
    model.dispose();
  });
});
