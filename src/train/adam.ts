/**
 * Adam over named variables, with Keras defaults (β1 0.9, β2 0.999, ε 1e-7) and state that serialises to plain
 * arrays (`optimizer/adam/{m,v}/<param>` + the step count), so a resumed run continues bit-for-bit.
 *
 * On wasm the update runs in JS over flat float32 arrays, one element at a time, rather than as a dozen TF.js passes
 * over every parameter: for keras's 7.4 M parameters that is 63 ms against 73–89, it keeps Adam's moments out of
 * the wasm heap, and the same code updates any range of the parameters, so the workers of a data-parallel step each
 * update their own share of one set of moments held in shared memory (src/train/parallel): about 40 ms each on two.
 * On a backend whose tensors do not live in this process's memory (a GPU), the moments stay there as TF.js
 * variables and the update is TF.js ops, so no gradient or weight crosses to the host.
 */
import * as tf from '@tensorflow/tfjs';
import { PnetError } from '../core/errors.ts';
import type { NamedArray } from '../model/spec.ts';
import { lendsViews, tensorValues } from './tensor-values.ts';

export const ADAM_PREFIX = 'optimizer/adam/';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const ADAM_DEFAULTS: AdamConfig = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** Adam's two moments for every parameter, flat in parameter order; SharedArrayBuffer-backed when shared. */
export interface AdamMoments {
  m: Float32Array;
  v: Float32Array;
}

/**
 * Where the moments live: `host`, flat JS arrays (wasm, whose tensors are host memory anyway, and every
 * data-parallel step); `device`, TF.js variables on the backend.
 */
export type AdamPlacement = 'host' | 'device';

interface DeviceMoments {
  m: tf.Variable;
  v: tf.Variable;
}

interface Param {
  name: string;
  variable: tf.Variable;
  /** Where the parameter starts in the flat order. */
  offset: number;
}

export class Adam {
  private readonly params: Param[];
  /** Floats over all parameters. */
  readonly size: number;
  /** Host placement: the moments, flat in parameter order. */
  private moments?: AdamMoments;
  /** Device placement: the moments per parameter. */
  private device?: DeviceMoments[];
  /** The next weights of a one-thread host update, kept across steps. */
  private next?: Float32Array;
  /** Completed updates. */
  step = 0;

  constructor(
    params: Array<{ name: string; variable: tf.Variable }>,
    private readonly config: AdamConfig = ADAM_DEFAULTS,
    placement: AdamPlacement = lendsViews() ? 'host' : 'device',
  ) {
    let offset = 0;
    this.params = params.map(({ name, variable }) => {
      const p = { name, variable, offset };
      offset += variable.size;
      return p;
    });
    this.size = offset;
    if (placement === 'host') this.moments = { m: new Float32Array(offset), v: new Float32Array(offset) };
    else
      this.device = this.params.map((p) => ({
        m: tf.variable(tf.zerosLike(p.variable), false),
        v: tf.variable(tf.zerosLike(p.variable), false),
      }));
  }

  get placement(): AdamPlacement {
    return this.device ? 'device' : 'host';
  }

  get variables(): tf.Variable[] {
    return this.params.map((p) => p.variable);
  }

  /**
   * Keeps the moments in `storage` from now on, e.g. shared memory every worker updates a range of: `copy` moves
   * this optimizer's moments there, `adopt` takes the values already there (another worker's).
   */
  useMoments(storage: AdamMoments, values: 'copy' | 'adopt'): void {
    if (storage.m.length !== this.size || storage.v.length !== this.size)
      throw new Error(`Adam moments of ${storage.m.length} floats given for ${this.size} parameters`);
    if (values === 'copy') {
      this.params.forEach((p, k) => {
        const [m, v] = this.momentsOf(p, k);
        storage.m.set(m, p.offset);
        storage.v.set(v, p.offset);
      });
    }
    this.disposeDevice();
    this.moments = storage;
  }

  /** One update of every parameter; `grads` maps variable.name (TF.js's id) → gradient. */
  apply(grads: tf.NamedTensorMap, learningRate: number): void {
    if (this.device) {
      this.applyOnDevice(this.device, grads, learningRate);
      return;
    }
    if (!this.next) this.next = new Float32Array(this.size);
    const next = this.next;
    const rate = this.stepRate(learningRate);
    for (const p of this.params) {
      const g = grads[p.variable.name];
      if (!g) throw new Error(`no gradient for ${p.name}`);
      // Both views stay valid: nothing is allocated on the backend until loadWeights.
      this.updateSlice(tensorValues(g), p.offset, p, p.offset, p.offset + p.variable.size, rate, next);
    }
    this.loadWeights(next);
    this.step++;
  }

  /**
   * Updates the moments of the parameters in the flat range [from, to) and writes their next values into
   * `next` (same flat order), from `gradients`, the summed gradient in that order. The variables are untouched:
   * once every range is done, `loadWeights(next)` and `finishStep()` on each copy of the model.
   */
  updateRange(gradients: Float32Array, from: number, to: number, learningRate: number, next: Float32Array): void {
    if (this.device) throw new Error('a range update needs the moments on the host (useMoments)');
    const rate = this.stepRate(learningRate);
    for (const p of this.params) {
      const start = Math.max(from, p.offset);
      const end = Math.min(to, p.offset + p.variable.size);
      if (start < end) this.updateSlice(gradients, 0, p, start, end, rate, next);
    }
  }

  /** Sets every variable from the flat weights. */
  loadWeights(weights: Float32Array): void {
    // On a backend that keeps the arrays it is given (cpu), hand it copies: `weights` is written again next step.
    const copy = !lendsViews();
    tf.tidy(() => {
      for (const p of this.params) {
        const values = weights.subarray(p.offset, p.offset + p.variable.size);
        p.variable.assign(tf.tensor(copy ? values.slice() : values, p.variable.shape, 'float32'));
      }
    });
  }

  /** Counts an update done with updateRange. */
  finishStep(): void {
    this.step++;
  }

  /** The bias-corrected rate of the coming update (Keras's form: ε is added to √v, not to the corrected v̂). */
  private stepRate(learningRate: number): number {
    const { beta1, beta2 } = this.config;
    const t = this.step + 1;
    return (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
  }

  /** Elements [start, end) of the flat order, all inside `p`; gradients[i − gradientOffset] is element i's. */
  private updateSlice(
    gradients: Float32Array,
    gradientOffset: number,
    p: Param,
    start: number,
    end: number,
    rate: number,
    next: Float32Array,
  ): void {
    const { beta1, beta2, epsilon } = this.config;
    const { m, v } = this.moments!;
    const weights = tensorValues(p.variable);
    for (let i = start; i < end; i++) {
      const g = gradients[i - gradientOffset]!;
      // Rounded as they are stored, so the weights follow from exactly the moments a checkpoint holds.
      const mi = Math.fround(beta1 * m[i]! + (1 - beta1) * g);
      const vi = Math.fround(beta2 * v[i]! + (1 - beta2) * g * g);
      m[i] = mi;
      v[i] = vi;
      next[i] = weights[i - p.offset]! - (rate * mi) / (Math.sqrt(vi) + epsilon);
    }
  }

  /** The TF.js form of the update, for moments on the device. */
  private applyOnDevice(device: DeviceMoments[], grads: tf.NamedTensorMap, learningRate: number): void {
    const { beta1, beta2, epsilon } = this.config;
    const rate = this.stepRate(learningRate);
    tf.tidy(() => {
      this.params.forEach((p, k) => {
        const g = grads[p.variable.name];
        if (!g) throw new Error(`no gradient for ${p.name}`);
        const { m: mk, v: vk } = device[k]!;
        const m = tf.add(tf.mul(mk, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(vk, beta2), tf.mul(tf.square(g), 1 - beta2));
        mk.assign(m);
        vk.assign(v);
        p.variable.assign(tf.sub(p.variable, tf.div(tf.mul(m, rate), tf.add(tf.sqrt(v), epsilon))));
      });
    });
    this.step++;
  }

  /** Copies of parameter k's two moments. */
  private momentsOf(p: Param, k: number): [Float32Array, Float32Array] {
    const d = this.device?.[k];
    if (d) return [new Float32Array(d.m.dataSync()), new Float32Array(d.v.dataSync())];
    const range = [p.offset, p.offset + p.variable.size] as const;
    return [this.moments!.m.slice(...range), this.moments!.v.slice(...range)];
  }

  getState(): NamedArray[] {
    return this.params.flatMap((p, k) => {
      const shape = [...p.variable.shape];
      const [m, v] = this.momentsOf(p, k);
      return [
        { name: `${ADAM_PREFIX}m/${p.name}`, shape, data: m },
        { name: `${ADAM_PREFIX}v/${p.name}`, shape, data: v },
      ];
    });
  }

  setState(tensors: Map<string, NamedArray>, step: number): void {
    this.params.forEach((p, k) => {
      for (const slot of ['m', 'v'] as const) {
        const t = tensors.get(`${ADAM_PREFIX}${slot}/${p.name}`);
        if (!t || t.data.length !== p.variable.size) {
          throw new PnetError('BAD_CHECKPOINT', `optimizer state for "${p.name}" is missing or has the wrong size`, {
            remedy: 'resume from a checkpoint written by `pnet train`, or start a new run',
          });
        }
        const d = this.device?.[k];
        if (d) tf.tidy(() => d[slot].assign(tf.tensor(t.data, p.variable.shape, 'float32')));
        else this.moments![slot].set(t.data, p.offset);
      }
    });
    this.step = step;
  }

  /** Frees the device moments, if any (host moments are plain arrays). */
  dispose(): void {
    this.disposeDevice();
  }

  private disposeDevice(): void {
    for (const d of this.device ?? []) tf.dispose([d.m, d.v]);
    this.device = undefined;
  }
}
