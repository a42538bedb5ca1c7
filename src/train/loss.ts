/**
 * The training objective: categorical cross-entropy over every point (optionally against smoothed targets) + the
 * T-Nets' orthogonality penalty.
 */
import * as tf from '@tensorflow/tfjs';
import type { ForwardOutput } from '../model/forward.ts';
import type { LayerOps } from '../model/ops.ts';

export interface LossParts {
  /** (Smoothed) cross-entropy + regulariser: what the optimizer minimises. */
  total: tf.Scalar;
  /** Plain cross-entropy against the true labels, whatever the smoothing. */
  crossEntropy: tf.Scalar;
}

/** How a run's loss is formed, besides the preset's orthogonality weight. */
export interface LossOptions {
  /** ε: each point's target is (1 − ε) on its label plus ε spread evenly over every class; 0 is plain. */
  labelSmoothing: number;
}

export const PLAIN_LOSS: LossOptions = { labelSmoothing: 0 };

/** Mean over points of −log softmax(logits)[label]; labels int32 [B·N]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const oneHot = tf.oneHot(labels, logits.shape[1]);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** ‖A·Aᵀ − I‖²_F per cloud, averaged over the batch. */
export function orthogonalityPenalty(a: tf.Tensor3D, ops: LayerOps): tf.Scalar {
  const k = a.shape[1];
  const gram = ops.transform(a, tf.transpose(a, [0, 2, 1]));
  return tf.div(tf.sum(tf.square(tf.sub(gram, tf.eye(k)))), a.shape[0]);
}

/**
 * Mean over points of the cross-entropy against smoothed targets, from the plain one: (1 − ε)·CE + ε·mean over
 * classes of −log softmax.
 */
function smoothedCrossEntropy(logits: tf.Tensor2D, plain: tf.Scalar, epsilon: number): tf.Scalar {
  if (epsilon === 0) return plain;
  const uniform = tf.neg(tf.mean(tf.logSoftmax(logits))) as tf.Scalar;
  return tf.add(tf.mul(plain, 1 - epsilon), tf.mul(uniform, epsilon)) as tf.Scalar;
}

export function segmentationLoss(
  out: ForwardOutput,
  labels: tf.Tensor1D,
  orthoWeight: number,
  ops: LayerOps,
  options: LossOptions = PLAIN_LOSS,
): LossParts {
  const ce = crossEntropy(out.logits, labels);
  let total: tf.Scalar = smoothedCrossEntropy(out.logits, ce, options.labelSmoothing);
  for (const a of out.transforms) total = tf.add(total, tf.mul(orthogonalityPenalty(a, ops), orthoWeight));
  return { total, crossEntropy: ce };
}
