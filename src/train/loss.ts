/**
 * The training objective: categorical cross-entropy over every point (optionally against smoothed targets, and
 * optionally weighting each point by its part) + the T-Nets' orthogonality penalty.
 */
import * as tf from '@tensorflow/tfjs';
import type { ForwardOutput } from '../model/forward.ts';
import type { LayerOps } from '../model/ops.ts';
import { PLAIN_LOSS, type LossOptions } from './loss-options.ts';

export interface LossParts {
  /** The objective (smoothed, weighted) + regulariser: what the optimizer minimises. */
  total: tf.Scalar;
  /** Plain cross-entropy against the true labels, whatever the smoothing and weights. */
  crossEntropy: tf.Scalar;
}

/** Mean over points of −log softmax(logits)[label]; labels int32 [B·N]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const oneHot = tf.oneHot(labels, logits.shape[1]);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/**
 * Class weights that lift the small parts: each class's share of the training points raised to −power, scaled so
 * the mean weight over the points is 1 (the loss keeps its scale, so the learning rate keeps its meaning). Power 0
 * is no weighting, 0.5 the inverse square root of the share, 1 the inverse share; classes with no points get 1.
 */
export function partWeights(pointsPerClass: ArrayLike<number>, power: number): number[] {
  const total = Array.from(pointsPerClass).reduce((s, n) => s + n, 0);
  const raw = Array.from(pointsPerClass, (n) => (n > 0 ? (n / total) ** -power : 0));
  const mean = Array.from(pointsPerClass).reduce((s, n, c) => s + (n / total) * raw[c]!, 0);
  return raw.map((w) => (w > 0 ? w / mean : 1));
}

/** Points of each class among the labels of `clouds`. */
export function pointsPerClass(clouds: Iterable<{ labels: Int32Array }>, classes: number): Float64Array {
  const counts = new Float64Array(classes);
  for (const c of clouds) for (const label of c.labels) if (label >= 0 && label < classes) counts[label]! += 1;
  return counts;
}

/**
 * A run's loss from its recipe: the smoothing as given, the part weights from its training clouds' labels; logged
 * when it is not plain cross-entropy.
 */
export function runLossOptions(
  recipe: { labelSmoothing: number; balanceParts: number },
  data: { trainClouds: Iterable<{ labels: Int32Array }>; classes: { names: readonly string[] } },
  log: (line: string) => void,
): LossOptions {
  const names = data.classes.names;
  const loss: LossOptions = { labelSmoothing: recipe.labelSmoothing };
  if (recipe.balanceParts !== 0) {
    loss.classWeights = partWeights(pointsPerClass(data.trainClouds, names.length), recipe.balanceParts);
  }
  const line = describeLoss(loss, names);
  if (line) log(line);
  return loss;
}

/** The run's loss in one line for its log, when it is not plain cross-entropy. */
export function describeLoss(options: LossOptions, classNames: readonly string[]): string | undefined {
  const parts: string[] = [];
  if (options.labelSmoothing > 0) parts.push(`label smoothing ${options.labelSmoothing}`);
  if (options.classWeights)
    parts.push(`part weights ${classNames.map((n, c) => `${n} ${options.classWeights![c]!.toFixed(2)}`).join(', ')}`);
  return parts.length > 0 ? `loss: ${parts.join('; ')}` : undefined;
}

/** ‖A·Aᵀ − I‖²_F per cloud, averaged over the batch. */
export function orthogonalityPenalty(a: tf.Tensor3D, ops: LayerOps): tf.Scalar {
  const k = a.shape[1];
  const gram = ops.transform(a, tf.transpose(a, [0, 2, 1]));
  return tf.div(tf.sum(tf.square(tf.sub(gram, tf.eye(k)))), a.shape[0]);
}

/**
 * Mean over points of the cross-entropy against smoothed targets, (1 − ε)·(−log p[label]) + ε·mean over classes of
 * −log p, each point weighted by its class's weight.
 */
function shapedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, options: LossOptions): tf.Scalar {
  const logProbs = tf.logSoftmax(logits);
  let perPoint = tf.neg(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]), logProbs), 1));
  const epsilon = options.labelSmoothing;
  if (epsilon > 0) perPoint = tf.add(tf.mul(perPoint, 1 - epsilon), tf.mul(tf.neg(tf.mean(logProbs, 1)), epsilon));
  if (options.classWeights) perPoint = tf.mul(perPoint, tf.gather(tf.tensor1d(options.classWeights), labels));
  return tf.mean(perPoint) as tf.Scalar;
}

export function segmentationLoss(
  out: ForwardOutput,
  labels: tf.Tensor1D,
  orthoWeight: number,
  ops: LayerOps,
  options: LossOptions = PLAIN_LOSS,
): LossParts {
  const ce = crossEntropy(out.logits, labels);
  const shaped = options.labelSmoothing > 0 || options.classWeights !== undefined;
  let total: tf.Scalar = shaped ? shapedCrossEntropy(out.logits, labels, options) : ce;
  for (const a of out.transforms) total = tf.add(total, tf.mul(orthogonalityPenalty(a, ops), orthoWeight));
  return { total, crossEntropy: ce };
}
