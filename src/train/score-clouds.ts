/** Runs clouds through a step executor in order and scores them: validation during training, and `pnet eval`. */
import type { SegmentationMetrics } from '../core/metrics.ts';
import { makeBatches } from '../data/prepare.ts';
import type { PreparedCloud } from '../data/types.ts';
import type { StepExecutor } from './step-executor.ts';

/** Adds every cloud's scores to `metrics`; returns the cross-entropy summed over the clouds. */
export async function scoreClouds(
  executor: StepExecutor,
  clouds: PreparedCloud[],
  metrics: SegmentationMetrics,
  batchSize: number,
): Promise<number> {
  let lossSum = 0;
  let offset = 0;
  // Unshuffled batches keep cloud order, so batch members are the next `size` clouds.
  for (const batch of makeBatches(clouds, { batchSize, seed: 0, shuffle: false, keepPartial: true })) {
    const { crossEntropy, scores } = await executor.predictBatch(batch);
    lossSum += crossEntropy * batch.size;
    metrics.addScores(
      scores,
      batch.labels,
      clouds.slice(offset, offset + batch.size).map((c) => c.category),
      batch.numPoints,
    );
    offset += batch.size;
  }
  return lossSum;
}
