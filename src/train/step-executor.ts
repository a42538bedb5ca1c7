/**
 * What the training loop and evaluation call for a training step and for batched predictions, and the executor
 * that runs them in this thread (a page's, or a one-worker run's); parallel/executor.ts splits them across threads.
 */
import type { Batch } from '../data/types.ts';
import type { PointNet } from '../model/pointnet.ts';
import type { Adam } from './adam.ts';
import { FAST_OPS } from '../model/ops.ts';
import { PLAIN_LOSS, type LossOptions } from './loss-options.ts';
import { predictBatch, trainStep, type StepResult } from './step.ts';

export interface Prediction {
  crossEntropy: number;
  /** Class scores per point, [size·numPoints, classes] (step.ts's predictBatch). */
  scores: Float32Array;
}

export interface StepExecutor {
  /** Threads a batch is split across (1: this thread only). */
  readonly workers: number;
  /** One optimizer step on the batch; the model and optimizer given at creation hold the result afterwards. */
  trainStep(batch: Batch, learningRate: number): Promise<StepResult>;
  /** Inference-mode predictions and mean cross-entropy, as step.ts's predictBatch. */
  predictBatch(batch: Batch): Promise<Prediction>;
  close(): Promise<void>;
}

export function localExecutor(model: PointNet, optimizer?: Adam, lossOptions: LossOptions = PLAIN_LOSS): StepExecutor {
  return {
    workers: 1,
    trainStep: async (batch, lr) => {
      if (!optimizer) throw new Error('this executor was created to predict only');
      return trainStep(model, optimizer, batch, lr, FAST_OPS, lossOptions);
    },
    predictBatch: async (batch) => predictBatch(model, batch),
    close: async () => {},
  };
}
