/**
 * One worker's share of a data-parallel step: forward and backward over its clouds with batch-norm statistics of
 * the whole batch (ops with a cross-worker reducer), the loss weighted by its share of the clouds so the shares'
 * gradients add up to the one-batch gradient, one shared-memory sum of all gradients, then the same Adam update
 * and moving-statistics update on every worker, which keeps their weights identical.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../data/types.ts';
import type { PointNet } from '../../model/pointnet.ts';
import { makeFastOps, type BatchStats, type ColumnReducer } from '../../model/ops.ts';
import type { Adam } from '../adam.ts';
import { segmentationLoss } from '../loss.ts';
import type { StepResult } from '../step.ts';

/** Floats of the gradient reduction: every trainable parameter, then the loss and the cross-entropy. */
export function gradientLength(model: PointNet): number {
  return model.trainableParams().reduce((n, p) => n + p.variable.size, 0) + 2;
}

/**
 * Trains on `shard`, this worker's clouds of a batch of `batchClouds` clouds. Returns the whole batch's loss and
 * this shard's predictions.
 */
export function trainShard(model: PointNet, optimizer: Adam, shard: Batch, batchClouds: number, learningRate: number, reducer: ColumnReducer): StepResult {
  const ops = makeFastOps(reducer);
  const share = shard.size / batchClouds;
  const stats = new Map<string, BatchStats>();
  let crossEntropy: tf.Scalar | undefined;
  let predictions: tf.Tensor | undefined;
  const params = model.trainableParams();
  const { value, grads } = tf.tidy(() => {
    const points = tf.tensor3d(shard.points, [shard.size, shard.numPoints, 3]);
    const labels = tf.tensor1d(shard.labels, 'int32');
    return tf.variableGrads(() => {
      const out = model.forwardTraining(points, { ops, onStats: (prefix, s) => stats.set(prefix, s) });
      const loss = segmentationLoss(out, labels, model.layout.preset.orthoWeight, ops);
      crossEntropy = tf.keep(tf.mul(loss.crossEntropy, share) as tf.Scalar);
      predictions = tf.keep(tf.argMax(out.logits, 1));
      return tf.mul(loss.total, share) as tf.Scalar;
    }, optimizer.variables);
  });

  const packed = new Float32Array(gradientLength(model));
  let at = 0;
  for (const p of params) {
    packed.set(grads[p.variable.name]!.dataSync() as Float32Array, at);
    at += p.variable.size;
  }
  packed[at] = value.dataSync()[0]!;
  packed[at + 1] = crossEntropy!.dataSync()[0]!;
  const shardPredictions = new Int32Array(predictions!.dataSync());
  tf.dispose([value, crossEntropy!, predictions!, ...Object.values(grads)]);

  const total = reducer.allReduce(packed);
  const summed: tf.NamedTensorMap = {};
  at = 0;
  for (const p of params) {
    summed[p.variable.name] = tf.tensor(total.subarray(at, at + p.variable.size), p.variable.shape, 'float32');
    at += p.variable.size;
  }
  optimizer.apply(summed, learningRate);
  tf.dispose(Object.values(summed));
  model.updateMovingStats(stats);
  return { loss: total[at]!, crossEntropy: total[at + 1]!, predictions: shardPredictions };
}
