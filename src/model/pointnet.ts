/**
 * PointNet part segmentation in TF.js: one tf.Variable per parameter of spec.ts (moving statistics are
 * non-trainable), the forward pass of forward.ts, and weight import/export by spec name.
 */
import * as tf from '@tensorflow/tfjs';
import { PnetError } from '../core/errors.ts';
import { countParams, paramSpecs, sizeOf, type ModelArchitecture, type ParamSpec, type WeightMap } from './spec.ts';
import { forward, type ForwardOutput, type TrainingMode } from './forward.ts';
import type { BatchStats } from './ops.ts';

export class PointNet {
  readonly architecture: ModelArchitecture;
  private readonly specs: ParamSpec[];
  private readonly vars = new Map<string, tf.Variable>();
  private disposed = false;

  private constructor(architecture: ModelArchitecture, weights: WeightMap) {
    this.architecture = architecture;
    this.specs = paramSpecs(architecture);
    for (const spec of this.specs) {
      const w = weights.get(spec.name);
      checkWeight(spec, w);
      // Unnamed: TF.js registers variable names globally, and several models may live side by side.
      this.vars.set(spec.name, tf.variable(tf.tensor(w!.data, spec.shape, 'float32'), spec.trainable));
    }
  }

  static create(architecture: ModelArchitecture, weights: WeightMap): PointNet {
    return new PointNet(architecture, weights);
  }

  countParams(): number {
    return countParams(this.architecture);
  }

  /** Variable of one parameter by spec name. */
  variable(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new PnetError('BAD_ARGUMENT', `the model has no parameter "${name}"`);
    return v;
  }

  /** The optimizer's variables in spec order. Block biases are left out: batch norm cancels them (zero gradient). */
  trainableParams(): Array<{ name: string; variable: tf.Variable }> {
    const cancelled = new Set(
      [
        ...this.architecture.inputTnet.conv,
        ...this.architecture.inputTnet.dense,
        ...this.architecture.features,
        ...this.architecture.featureTnet.conv,
        ...this.architecture.featureTnet.dense,
        ...this.architecture.features2,
        this.architecture.segHidden,
      ].map((b) => `${b.prefix}/bias`),
    );
    return this.specs
      .filter((s) => s.trainable && !cancelled.has(s.name))
      .map((s) => ({ name: s.name, variable: this.vars.get(s.name)! }));
  }

  /** Softmax probabilities [B, N, classes] from normalised points [B, N, 3], with the moving BN statistics. */
  predict(points: tf.Tensor3D): tf.Tensor3D {
    this.checkAlive();
    const [b, n] = points.shape;
    return tf.tidy(() => {
      const { logits } = forward(this.lookup, this.architecture, points, { training: false });
      return tf.reshape(tf.softmax(logits), [b, n, this.architecture.numClasses]) as tf.Tensor3D;
    });
  }

  /** Training-mode forward (batch statistics). Call inside tf.variableGrads / tf.tidy. */
  forwardTraining(points: tf.Tensor3D, mode: Omit<TrainingMode, 'training'>): ForwardOutput {
    this.checkAlive();
    return forward(this.lookup, this.architecture, points, { training: true, ...mode });
  }

  /**
   * Keras semantics: moving = moving·momentum + batch·(1 − momentum). `stats.mean` excludes the layer bias
   * (see ops.ts), so it is added here. Disposes the stats.
   */
  updateMovingStats(stats: Map<string, BatchStats>): void {
    const momentum = this.architecture.preset.batchNorm.momentum;
    tf.tidy(() => {
      for (const [prefix, s] of stats) {
        const mean = this.variable(`${prefix}/bn/moving_mean`);
        const variance = this.variable(`${prefix}/bn/moving_variance`);
        const batchMean = tf.add(s.mean, this.variable(`${prefix}/bias`));
        mean.assign(tf.add(tf.mul(mean, momentum), tf.mul(batchMean, 1 - momentum)));
        variance.assign(tf.add(tf.mul(variance, momentum), tf.mul(s.variance, 1 - momentum)));
      }
    });
    for (const s of stats.values()) tf.dispose([s.mean, s.variance]);
  }

  /** Current values (copies), in spec order. */
  getWeights(): WeightMap {
    this.checkAlive();
    const out: WeightMap = new Map();
    for (const spec of this.specs) {
      const data = this.vars.get(spec.name)!.dataSync() as Float32Array;
      out.set(spec.name, { name: spec.name, shape: [...spec.shape], data: new Float32Array(data) });
    }
    return out;
  }

  setWeights(weights: WeightMap): void {
    this.checkAlive();
    for (const spec of this.specs) {
      const w = weights.get(spec.name);
      checkWeight(spec, w);
      tf.tidy(() => this.vars.get(spec.name)!.assign(tf.tensor(w!.data, spec.shape, 'float32')));
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }

  private readonly lookup = (name: string): tf.Tensor => this.variable(name);

  private checkAlive(): void {
    if (this.disposed) throw new Error('PointNet used after dispose()');
  }
}

function checkWeight(spec: ParamSpec, w: { shape: number[]; data: Float32Array } | undefined): void {
  if (!w) throw new PnetError('BAD_CHECKPOINT', `weights lack parameter "${spec.name}"`);
  if (w.data.length !== sizeOf(spec.shape) || w.shape.join('x') !== spec.shape.join('x')) {
    throw new PnetError(
      'BAD_CHECKPOINT',
      `parameter "${spec.name}" has shape [${w.shape}], the architecture expects [${spec.shape}]`,
    );
  }
}
