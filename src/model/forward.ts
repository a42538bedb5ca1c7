/**
 * The PointNet segmentation forward pass over named parameters (names from spec.ts), in training mode (batch
 * statistics, through a `LayerOps` formulation) or inference mode (moving statistics folded into the kernels).
 * Points are handled as a [B·N, C] matrix so every pointwise conv is one 2-D matMul; the point count N is
 * whatever comes in.
 */
import * as tf from '@tensorflow/tfjs';
import type { BlockSpec, ModelArchitecture, TnetArchitecture } from './spec.ts';
import { perCloudMatMul, type BatchStats, type LayerOps } from './ops.ts';

export type ParamLookup = (name: string) => tf.Tensor;

export interface TrainingMode {
  training: true;
  ops: LayerOps;
  /** Batch statistics per block prefix (kept tensors; the receiver disposes them). */
  onStats?: (prefix: string, stats: BatchStats) => void;
}

export interface InferenceMode {
  training: false;
}

export interface ForwardOutput {
  /** [B·N, classes], cloud-major rows. */
  logits: tf.Tensor2D;
  /** The T-Net matrices [B, k, k], input transform first (for the orthogonality regulariser). */
  transforms: tf.Tensor3D[];
}

interface Layers {
  block(spec: BlockSpec, x: tf.Tensor2D): tf.Tensor2D;
  linear(prefix: string, x: tf.Tensor2D): tf.Tensor2D;
  /** Max over the points of each cloud of the block's output, [B, C]. */
  pooledBlock(spec: BlockSpec, x: tf.Tensor2D, clouds: number): tf.Tensor2D;
  transform(x: tf.Tensor3D, a: tf.Tensor3D): tf.Tensor3D;
  segHidden(spec: BlockSpec, local: tf.Tensor2D[], global: tf.Tensor2D): tf.Tensor2D;
}

function trainingLayers(p: ParamLookup, architecture: ModelArchitecture, mode: TrainingMode): Layers {
  const { ops, onStats } = mode;
  const epsilon = architecture.preset.batchNorm.epsilon;
  const bn = (prefix: string) => ({
    kernel: p(`${prefix}/kernel`) as tf.Tensor2D,
    gamma: p(`${prefix}/bn/gamma`) as tf.Tensor1D,
    beta: p(`${prefix}/bn/beta`) as tf.Tensor1D,
    epsilon,
    onStats: onStats ? (s: BatchStats) => onStats(prefix, s) : undefined,
  });
  return {
    block: (spec, x) => ops.block({ x, ...bn(spec.prefix) }),
    linear: (prefix, x) => ops.linear(x, p(`${prefix}/kernel`) as tf.Tensor2D, p(`${prefix}/bias`) as tf.Tensor1D),
    pooledBlock: (spec, x, clouds) => ops.pooledBlock({ x, ...bn(spec.prefix) }, clouds),
    transform: ops.transform,
    segHidden: (spec, local, global) => ops.segHidden(local, global, bn(spec.prefix)),
  };
}

/** Kernel and bias with batch norm's moving statistics folded in: relu(x·W' + b') is the whole block. */
function foldedBlock(p: ParamLookup, prefix: string, epsilon: number): { kernel: tf.Tensor2D; bias: tf.Tensor1D } {
  const scale = tf.div(p(`${prefix}/bn/gamma`), tf.sqrt(tf.add(p(`${prefix}/bn/moving_variance`), epsilon)));
  const bias = tf.add(
    tf.mul(tf.sub(p(`${prefix}/bias`), p(`${prefix}/bn/moving_mean`)), scale),
    p(`${prefix}/bn/beta`),
  );
  return { kernel: tf.mul(p(`${prefix}/kernel`), scale) as tf.Tensor2D, bias: bias as tf.Tensor1D };
}

function inferenceLayers(p: ParamLookup, architecture: ModelArchitecture): Layers {
  const epsilon = architecture.preset.batchNorm.epsilon;
  return {
    block(spec, x) {
      const { kernel, bias } = foldedBlock(p, spec.prefix, epsilon);
      return tf.fused.matMul({ a: x, b: kernel, bias, activation: 'relu' }) as tf.Tensor2D;
    },
    linear: (prefix, x) =>
      tf.fused.matMul({ a: x, b: p(`${prefix}/kernel`) as tf.Tensor2D, bias: p(`${prefix}/bias`) }) as tf.Tensor2D,
    pooledBlock(spec, x, clouds) {
      const out = this.block(spec, x);
      const [rows, c] = out.shape;
      return tf.max(tf.reshape(out, [clouds, rows / clouds, c]), 1);
    },
    transform: perCloudMatMul,
    segHidden(spec, local, global) {
      const { kernel, bias } = foldedBlock(p, spec.prefix, epsilon);
      const g = global.shape[1];
      const localRows = kernel.shape[0] - g;
      const globalTerm = tf.matMul(global, tf.slice(kernel, [localRows, 0], [g, -1]));
      const z = tf.fused.matMul({ a: tf.concat(local, 1), b: tf.slice(kernel, [0, 0], [localRows, -1]), bias });
      const [rows, c] = z.shape as [number, number];
      const clouds = global.shape[0];
      const sum = tf.add(tf.reshape(z, [clouds, rows / clouds, c]), tf.reshape(globalTerm, [clouds, 1, c]));
      return tf.relu(tf.reshape(sum, [rows, c])) as tf.Tensor2D;
    },
  };
}

function tnet(layers: Layers, t: TnetArchitecture, x: tf.Tensor2D, clouds: number): tf.Tensor3D {
  let h = x;
  for (const spec of t.conv.slice(0, -1)) h = layers.block(spec, h);
  let pooled = layers.pooledBlock(t.conv.at(-1)!, h, clouds);
  for (const spec of t.dense) pooled = layers.block(spec, pooled);
  // Row-major k×k: A[i][j] = out[i·k + j].
  return tf.reshape(layers.linear(t.finalPrefix, pooled), [clouds, t.k, t.k]);
}

export function forward(
  p: ParamLookup,
  architecture: ModelArchitecture,
  points: tf.Tensor3D,
  mode: TrainingMode | InferenceMode,
): ForwardOutput {
  const layers = mode.training ? trainingLayers(p, architecture, mode) : inferenceLayers(p, architecture);
  const [clouds, n] = points.shape;
  const rows = clouds * n;
  const flat = (x: tf.Tensor3D) => tf.reshape(x, [rows, x.shape[2]]) as tf.Tensor2D;

  const inputTransform = tnet(layers, architecture.inputTnet, flat(points), clouds);
  const aligned = flat(layers.transform(points, inputTransform));
  const [c1, c2, c3] = architecture.features as [BlockSpec, BlockSpec, BlockSpec];
  const f0 = layers.block(c1, aligned);
  const f1 = layers.block(c2, f0);
  const f2 = layers.block(c3, f1);
  const featureTransform = tnet(layers, architecture.featureTnet, f2, clouds);
  const k = architecture.featureTnet.k;
  const t = flat(layers.transform(tf.reshape(f2, [clouds, n, k]), featureTransform));
  const [c4, c5] = architecture.features2 as [BlockSpec, BlockSpec];
  const g0 = layers.block(c4, t);
  const global = layers.pooledBlock(c5, g0, clouds);
  const hidden = layers.segHidden(architecture.segHidden, [f0, f1, f2, t, g0], global);
  return { logits: layers.linear(architecture.headPrefix, hidden), transforms: [inputTransform, featureTransform] };
}
