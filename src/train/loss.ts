/** The training objective: categorical cross-entropy over every point + the T-Nets' orthogonality penalty. */
import * as tf from '@tensorflow/tfjs';
import type { ForwardOutput } from '../model/forward.ts';
import type { LayerOps } from '../model/ops.ts';

export interface LossParts {
  /** Cross-entropy + regulariser: what the optimizer minimises. */
  total: tf.Scalar;
  crossEntropy: tf.Scalar;
}

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

export function segmentationLoss(
  out: ForwardOutput,
  labels: tf.Tensor1D,
  orthoWeight: number,
  ops: LayerOps,
): LossParts {
  const ce = crossEntropy(out.logits, labels);
  let total: tf.Scalar = ce;
  for (const a of out.transforms) total = tf.add(total, tf.mul(orthogonalityPenalty(a, ops), orthoWeight));
  return { total, crossEntropy: ce };
}
