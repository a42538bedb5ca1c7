/**
 * Adam over named variables, with Keras defaults (β1 0.9, β2 0.999, ε 1e-7) and state that serialises to plain
 * arrays (`optimizer/adam/{m,v}/<param>` + the step count), so a resumed run continues bit-for-bit.
 */
import * as tf from '@tensorflow/tfjs';
import { PnetError } from '../core/errors.ts';
import type { NamedArray } from '../model/spec.ts';

export const ADAM_PREFIX = 'optimizer/adam/';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const ADAM_DEFAULTS: AdamConfig = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

interface Slot {
  name: string;
  variable: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
}

export class Adam {
  private readonly slots: Slot[];
  /** Completed updates. */
  step = 0;

  constructor(
    params: Array<{ name: string; variable: tf.Variable }>,
    private readonly config: AdamConfig = ADAM_DEFAULTS,
  ) {
    this.slots = params.map(({ name, variable }) => ({
      name,
      variable,
      m: tf.variable(tf.zerosLike(variable), false),
      v: tf.variable(tf.zerosLike(variable), false),
    }));
  }

  get variables(): tf.Variable[] {
    return this.slots.map((s) => s.variable);
  }

  /** One update; `grads` maps variable.name (TF.js's id) → gradient. */
  apply(grads: tf.NamedTensorMap, learningRate: number): void {
    const { beta1, beta2, epsilon } = this.config;
    const t = this.step + 1;
    const lrT = (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    tf.tidy(() => {
      for (const s of this.slots) {
        const g = grads[s.variable.name];
        if (!g) throw new Error(`no gradient for ${s.name}`);
        const m = tf.add(tf.mul(s.m, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(s.v, beta2), tf.mul(tf.square(g), 1 - beta2));
        s.m.assign(m);
        s.v.assign(v);
        s.variable.assign(tf.sub(s.variable, tf.div(tf.mul(m, lrT), tf.add(tf.sqrt(v), epsilon))));
      }
    });
    this.step = t;
  }

  getState(): NamedArray[] {
    return this.slots.flatMap((s) => [
      { name: `${ADAM_PREFIX}m/${s.name}`, shape: [...s.m.shape], data: new Float32Array(s.m.dataSync()) },
      { name: `${ADAM_PREFIX}v/${s.name}`, shape: [...s.v.shape], data: new Float32Array(s.v.dataSync()) },
    ]);
  }

  setState(tensors: Map<string, NamedArray>, step: number): void {
    for (const s of this.slots) {
      for (const [slot, target] of [
        ['m', s.m],
        ['v', s.v],
      ] as const) {
        const t = tensors.get(`${ADAM_PREFIX}${slot}/${s.name}`);
        if (!t || t.data.length !== target.size) {
          throw new PnetError('BAD_CHECKPOINT', `optimizer state for "${s.name}" is missing or has the wrong size`, {
            remedy: 'resume from a checkpoint written by `pnet train`, or start a new run',
          });
        }
        tf.tidy(() => target.assign(tf.tensor(t.data, target.shape, 'float32')));
      }
    }
    this.step = step;
  }

  dispose(): void {
    for (const s of this.slots) tf.dispose([s.m, s.v]);
  }
}
