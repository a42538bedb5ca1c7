/**
 * One worker's share of a data-parallel step: forward and backward over its clouds with batch-norm statistics of
 * the whole batch (ops with a cross-worker reducer), the loss weighted by its share of the clouds so the shares'
 * gradients add up to the one-batch gradient, one shared-memory sum of all gradients, then the same Adam update
 * and moving-statistics update on every worker, which keeps their weights identical.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../data/types.ts';
import type { PointNet } from '../../model/pointnet.ts';
import { makeFastOps, type BatchStats } from '../../model/ops.ts';
import type { SharedReducer } from './shared-reduce.ts';
import type { Adam } from '../adam.ts';
import { segmentationLoss } from '../loss.ts';
import type { StepResult } from '../step.ts';
import { NonFiniteStep } from '../divergence.ts';

/** Floats of the gradient reduction: every trainable parameter, then the loss and the cross-entropy. */
export function gradientLength(model: PointNet): number {
  return model.trainableParams().reduce((n, p) => n + p.variable.size, 0) + 2;
}

/**
 * A tensor's values without a copy where the backend can lend a view of its memory (wasm: a view of the heap, valid
 * until the next allocation); otherwise `dataSync()`, which copies.
 */
function tensorValues(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as { typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array };
  return (backend.typedArrayFromHeap ? backend.typedArrayFromHeap(t) : t.dataSync()) as Float32Array;
}

/**
 * Trains on `shard`, this worker's clouds of a batch of `batchClouds` clouds. Returns the whole batch's loss and
 * this shard's class logits. Throws NonFiniteStep before any update when the summed loss or a gradient is not
 * finite (every worker sees the same sums, so all of them stop).
 */
export function trainShard(
  model: PointNet,
  optimizer: Adam,
  shard: Batch,
  batchClouds: number,
  learningRate: number,
  reducer: SharedReducer,
): StepResult {
  const ops = makeFastOps(reducer);
  const share = shard.size / batchClouds;
  const stats = new Map<string, BatchStats>();
  let crossEntropy: tf.Scalar | undefined;
  let logits: tf.Tensor | undefined;
  const params = model.trainableParams();
  const { value, grads } = tf.tidy(() => {
    const points = tf.tensor3d(shard.points, [shard.size, shard.numPoints, 3]);
    const labels = tf.tensor1d(shard.labels, 'int32');
    return tf.variableGrads(() => {
      const out = model.forwardTraining(points, { ops, onStats: (prefix, s) => stats.set(prefix, s) });
      const loss = segmentationLoss(out, labels, model.layout.preset.orthoWeight, ops);
      crossEntropy = tf.keep(tf.mul(loss.crossEntropy, share) as tf.Scalar);
      logits = tf.keep(out.logits);
      return tf.mul(loss.total, share) as tf.Scalar;
    }, optimizer.variables);
  });

  const loss = value.dataSync()[0]!;
  const weightedCrossEntropy = crossEntropy!.dataSync()[0]!;
  const shardScores = new Float32Array(logits!.dataSync());
  const total = reducer.allReduceLarge(gradientLength(model), (slot) => {
    let at = 0;
    for (const p of params) {
      slot.set(tensorValues(grads[p.variable.name]!), at);
      at += p.variable.size;
    }
    slot[at] = loss;
    slot[at + 1] = weightedCrossEntropy;
  });
  tf.dispose([value, crossEntropy!, logits!, ...Object.values(grads)]);

  const lossAt = total.length - 2;
  if (!Number.isFinite(total[lossAt]!)) throw new NonFiniteStep('loss', total[lossAt]!);
  for (let i = 0; i < lossAt; i++) if (!Number.isFinite(total[i]!)) throw new NonFiniteStep('gradient', total[i]!);
  const summed: tf.NamedTensorMap = {};
  let at = 0;
  for (const p of params) {
    summed[p.variable.name] = tf.tensor(total.subarray(at, at + p.variable.size), p.variable.shape, 'float32');
    at += p.variable.size;
  }
  optimizer.apply(summed, learningRate);
  tf.dispose(Object.values(summed));
  model.updateMovingStats(stats);
  return { loss: total[at]!, crossEntropy: total[at + 1]!, scores: shardScores };
}
