/** One optimizer step on a batch, and batched inference for evaluation. */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types.ts';
import type { PointNet } from '../model/pointnet.ts';
import { FAST_OPS, type BatchStats, type LayerOps } from '../model/ops.ts';
import type { Adam } from './adam.ts';
import { segmentationLoss } from './loss.ts';
import { PLAIN_LOSS, type LossOptions } from './loss-options.ts';
import { nonFiniteGradient, NonFiniteStep } from './divergence.ts';

export interface StepResult {
  /** Cross-entropy + regulariser. */
  loss: number;
  crossEntropy: number;
  /**
   * Class logits per point (training-mode forward, before the update), [size·numPoints, classes]: the metrics take
   * the argmax over each cloud's own category's parts.
   */
  scores: Float32Array;
}

export function trainStep(
  model: PointNet,
  optimizer: Adam,
  batch: Batch,
  learningRate: number,
  ops: LayerOps = FAST_OPS,
  lossOptions: LossOptions = PLAIN_LOSS,
): StepResult {
  const stats = new Map<string, BatchStats>();
  let crossEntropy: tf.Scalar | undefined;
  let logits: tf.Tensor | undefined;
  const { value, grads } = tf.tidy(() => {
    const points = tf.tensor3d(batch.points, [batch.size, batch.numPoints, 3]);
    const labels = tf.tensor1d(batch.labels, 'int32');
    return tf.variableGrads(() => {
      const out = model.forwardTraining(points, { ops, onStats: (prefix, s) => stats.set(prefix, s) });
      const loss = segmentationLoss(out, labels, model.architecture.preset.orthoWeight, ops, lossOptions);
      crossEntropy = tf.keep(loss.crossEntropy);
      logits = tf.keep(out.logits);
      return loss.total;
    }, optimizer.variables);
  });
  // Checked before the update: a non-finite step must not reach the weights.
  const lossValue = value.dataSync()[0]!;
  const badGradient = nonFiniteGradient(grads);
  const bad = !Number.isFinite(lossValue)
    ? new NonFiniteStep('loss', lossValue)
    : badGradient !== undefined
      ? new NonFiniteStep('gradient', badGradient)
      : undefined;
  if (bad) {
    tf.dispose([value, crossEntropy!, logits!, ...Object.values(grads)]);
    throw bad;
  }
  optimizer.apply(grads, learningRate);
  model.updateMovingStats(stats);
  const result = {
    loss: lossValue,
    crossEntropy: crossEntropy!.dataSync()[0]!,
    scores: new Float32Array(logits!.dataSync()),
  };
  tf.dispose([value, crossEntropy!, logits!, ...Object.values(grads)]);
  return result;
}

/**
 * Inference-mode class probabilities (moving statistics), [size·numPoints, classes], and the mean cross-entropy of
 * a batch.
 */
export function predictBatch(model: PointNet, batch: Batch): { crossEntropy: number; scores: Float32Array } {
  return tf.tidy(() => {
    const probs = model.predict(tf.tensor3d(batch.points, [batch.size, batch.numPoints, 3]));
    const flat = tf.reshape(probs, [-1, probs.shape[2]]) as tf.Tensor2D;
    const labels = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), probs.shape[2]);
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.log(tf.maximum(flat, 1e-7))), 1)));
    return { crossEntropy: ce.dataSync()[0]!, scores: new Float32Array(flat.dataSync()) };
  });
}
