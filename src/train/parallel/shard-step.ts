/**
 * One worker's share of a data-parallel step: forward and backward over its clouds with batch-norm statistics of
 * the whole batch (ops with a cross-worker reducer), the loss weighted by its share of the clouds so the shares'
 * gradients add up to the one-batch gradient, then a shared-memory sum in which each worker sums the gradients of
 * its own share of the parameters and runs Adam on that share alone (moments and next weights in shared memory).
 * Every worker then loads all the next weights and applies the same moving-statistics update, so their copies
 * stay identical.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../data/types.ts';
import type { PointNet } from '../../model/pointnet.ts';
import { makeFastOps, type BatchStats } from '../../model/ops.ts';
import type { SharedReducer } from './shared-reduce.ts';
import type { Adam } from '../adam.ts';
import { segmentationLoss } from '../loss.ts';
import type { LossOptions } from '../loss-options.ts';
import type { StepResult } from '../step.ts';
import { firstNonFinite, NonFiniteStep } from '../divergence.ts';
import { tensorValues } from '../tensor-values.ts';

/** Floats of the gradient reduction: every trainable parameter, then the loss and the cross-entropy. */
export function gradientLength(optimizer: Adam): number {
  return optimizer.size + 2;
}

/** The flat range [from, to) of the parameters whose Adam update worker `rank` of `workers` computes. */
export function updateShare(parameters: number, rank: number, workers: number): [number, number] {
  return [Math.floor((parameters * rank) / workers), Math.floor((parameters * (rank + 1)) / workers)];
}

/**
 * Trains on `shard`, this worker's clouds of a batch of `batchClouds` clouds. Returns the whole batch's loss and
 * this shard's class logits. `nextWeights` is the flat buffer (shared by all workers) each writes its share of the
 * updated parameters into; `optimizer`'s moments must live in shared memory too (Adam.useMoments). Throws
 * NonFiniteStep before any update when the summed loss or a gradient is not finite (the workers tell each other
 * what their share of the sum holds, so all of them stop).
 */
export function trainShard(
  model: PointNet,
  optimizer: Adam,
  shard: Batch,
  batchClouds: number,
  learningRate: number,
  reducer: SharedReducer,
  nextWeights: Float32Array,
  lossOptions: LossOptions,
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
      const loss = segmentationLoss(out, labels, model.architecture.preset.orthoWeight, ops, lossOptions);
      crossEntropy = tf.keep(tf.mul(loss.crossEntropy, share) as tf.Scalar);
      logits = tf.keep(out.logits);
      return tf.mul(loss.total, share) as tf.Scalar;
    }, optimizer.variables);
  });

  const loss = value.dataSync()[0]!;
  const weightedCrossEntropy = crossEntropy!.dataSync()[0]!;
  const shardScores = new Float32Array(logits!.dataSync());
  const parameters = optimizer.size;
  const [from, to] = updateShare(parameters, reducer.rank, reducer.workers);
  // Each worker sums only the gradients of the parameters it updates (and the two losses at the end).
  const total = reducer.sumRanges(
    gradientLength(optimizer),
    (slot) => {
      let at = 0;
      for (const p of params) {
        slot.set(tensorValues(grads[p.variable.name]!), at);
        at += p.variable.size;
      }
      slot[at] = loss;
      slot[at + 1] = weightedCrossEntropy;
    },
    [
      [from, to],
      [parameters, parameters + 2],
    ],
  );
  tf.dispose([value, crossEntropy!, logits!, ...Object.values(grads)]);

  const summedLoss = total[parameters]!;
  const badGradient = firstNonFinite(total.subarray(from, to));
  // One barrier that also keeps anyone from refilling the slots before all have summed them.
  const verdicts = reducer.allGather(Float32Array.of(badGradient === undefined ? 0 : 1, badGradient ?? 0));
  if (!Number.isFinite(summedLoss)) throw new NonFiniteStep('loss', summedLoss);
  const bad = verdicts.find((v) => v[0] !== 0);
  if (bad) throw new NonFiniteStep('gradient', bad[1]!);

  optimizer.updateRange(total, from, to, learningRate, nextWeights);
  reducer.barrier();
  optimizer.loadWeights(nextWeights);
  optimizer.finishStep();
  model.updateMovingStats(stats);
  return { loss: summedLoss, crossEntropy: total[parameters + 1]!, scores: shardScores };
}
