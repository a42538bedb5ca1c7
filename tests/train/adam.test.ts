import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Adam, ADAM_DEFAULTS, type AdamPlacement } from '../../src/train/adam.ts';
import { Rng } from '../../src/core/rng.ts';

const SHAPES = [[3, 4], [5], [2, 3, 2]];

let created = 0;

function variables(seed: number): Array<{ name: string; variable: tf.Variable }> {
  const rng = new Rng(seed);
  return SHAPES.map((shape, k) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: size }, () => rng.uniform(-1, 1));
    return { name: `p${k}`, variable: tf.variable(tf.tensor(values, shape), true, `adam-test-${created++}`) };
  });
}

function gradients(params: Array<{ variable: tf.Variable }>, rng: Rng): Float32Array[] {
  return params.map((p) => Float32Array.from({ length: p.variable.size }, () => rng.uniform(-2, 2)));
}

function named(params: Array<{ variable: tf.Variable }>, g: Float32Array[]): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  params.forEach((p, k) => {
    out[p.variable.name] = tf.tensor(g[k]!, p.variable.shape);
  });
  return out;
}

const flat = (parts: Float32Array[]) => Float32Array.from(parts.flatMap((p) => [...p]));
const weightsOf = (params: Array<{ variable: tf.Variable }>) =>
  flat(params.map((p) => p.variable.dataSync() as Float32Array));

describe('Adam', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(['host', 'device'] as AdamPlacement[])(
    'follows the Keras update rule over several steps (%s)',
    (placement) => {
      const params = variables(1);
      const adam = new Adam(params, ADAM_DEFAULTS, placement);
      expect(adam.placement).toBe(placement);
      const { beta1, beta2, epsilon } = ADAM_DEFAULTS;
      const rng = new Rng(2);
      // The rule in float64, element by element.
      let w = Array.from(weightsOf(params));
      const m = new Array<number>(w.length).fill(0);
      const v = new Array<number>(w.length).fill(0);
      for (let t = 1; t <= 4; t++) {
        const g = gradients(params, rng);
        const lr = 0.01 / t;
        const grads = named(params, g);
        adam.apply(grads, lr);
        tf.dispose(Object.values(grads));
        const gf = flat(g);
        const rate = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
        w = w.map((wi, i) => {
          m[i] = beta1 * m[i]! + (1 - beta1) * gf[i]!;
          v[i] = beta2 * v[i]! + (1 - beta2) * gf[i]! ** 2;
          return wi - (rate * m[i]!) / (Math.sqrt(v[i]!) + epsilon);
        });
      }
      expect(adam.step).toBe(4);
      const got = weightsOf(params);
      for (let i = 0; i < w.length; i++) expect(Math.abs(got[i]! - w[i]!)).toBeLessThan(1e-6);
      const state = adam.getState();
      expect(state.map((s) => s.name)).toEqual(
        ['m/p0', 'v/p0', 'm/p1', 'v/p1', 'm/p2', 'v/p2'].map((n) => `optimizer/adam/${n}`),
      );
      const m0 = state[0]!.data;
      for (let i = 0; i < m0.length; i++) expect(Math.abs(m0[i]! - m[i]!)).toBeLessThan(1e-6);
      for (const p of params) p.variable.dispose();
    },
  );

  it('updated range by range, with moments in outside storage, gives exactly the one-call update', () => {
    const whole = variables(3);
    const split = variables(3);
    const a = new Adam(whole, ADAM_DEFAULTS, 'host');
    const b = new Adam(split);
    b.useMoments({ m: new Float32Array(b.size), v: new Float32Array(b.size) }, 'copy');
    const rng = new Rng(4);
    const next = new Float32Array(b.size);
    for (let step = 0; step < 3; step++) {
      const g = gradients(whole, rng);
      const grads = named(whole, g);
      a.apply(grads, 0.01);
      tf.dispose(Object.values(grads));
      // Ranges that cut through parameters, as the workers' shares do.
      const summed = flat(g);
      for (const [from, to] of [
        [0, 7],
        [7, 20],
        [20, b.size],
      ] as const)
        b.updateRange(summed, from, to, 0.01, next);
      b.loadWeights(next);
      b.finishStep();
    }
    expect(weightsOf(split)).toEqual(weightsOf(whole));
    expect(b.getState()).toEqual(a.getState());
    expect(b.step).toBe(3);
    for (const p of [...whole, ...split]) p.variable.dispose();
  });

  it('moves device moments to host storage with their values', () => {
    const params = variables(6);
    const adam = new Adam(params, ADAM_DEFAULTS, 'device');
    const rng = new Rng(7);
    for (let step = 0; step < 2; step++) {
      const grads = named(params, gradients(params, rng));
      adam.apply(grads, 0.01);
      tf.dispose(Object.values(grads));
    }
    const before = adam.getState();
    expect(before[0]!.data.some((x) => x !== 0)).toBe(true);
    adam.useMoments({ m: new Float32Array(adam.size), v: new Float32Array(adam.size) }, 'copy');
    expect(adam.placement).toBe('host');
    expect(adam.getState()).toEqual(before);
    for (const p of params) p.variable.dispose();
  });

  it('adopts moments already in shared storage and refuses a checkpoint of the wrong size', () => {
    const params = variables(5);
    const adam = new Adam(params);
    const m = new Float32Array(new SharedArrayBuffer(adam.size * 4)).fill(0.5);
    adam.useMoments({ m, v: new Float32Array(adam.size) }, 'adopt');
    expect(adam.getState()[0]!.data).toEqual(new Float32Array(12).fill(0.5));
    const state = new Map(adam.getState().map((s) => [s.name, s]));
    state.set('optimizer/adam/v/p1', { name: 'optimizer/adam/v/p1', shape: [4], data: new Float32Array(4) });
    expect(() => adam.setState(state, 1)).toThrow(/optimizer state for "p1" is missing or has the wrong size/);
    for (const p of params) p.variable.dispose();
  });
});
