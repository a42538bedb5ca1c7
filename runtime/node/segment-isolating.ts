/**
 * Running a group of clouds so that one bad cloud fails alone: a batched run that fails is retried cloud by cloud.
 * `planIsolatedRuns` says ahead of time which runs that makes, so work spread over worker threads batches exactly
 * the same clouds together (batch composition changes the last digits of the probabilities).
 */
import { checkCloud } from '../common/cloud-check.ts';
import { planBatches } from '../common/batching.ts';
import type { SegmentResult, Segmenter } from '../segmenter.ts';

export async function segmentIsolatingFailures(
  segmenter: Segmenter,
  clouds: Float32Array[],
  maxBatch: number,
): Promise<Array<SegmentResult | Error>> {
  try {
    return await segmenter.segmentMany(clouds, { maxBatch });
  } catch {
    const out: Array<SegmentResult | Error> = [];
    for (const c of clouds) out.push(await segmenter.segment(c).catch((e: Error) => e));
    return out;
  }
}

export interface IsolatedRuns {
  /** Model runs as lists of cloud indices (equal sizes within a run). */
  runs: number[][];
  /** Clouds that fail their check, with the error `segment` gives them. */
  invalid: Map<number, Error>;
}

/**
 * The runs `segmentIsolatingFailures(segmenter, clouds, maxBatch)` makes when the model itself does not fail: the
 * size-batched plan, or one run per cloud when any cloud fails its check (its error is then its own).
 */
export function planIsolatedRuns(clouds: readonly Float32Array[], maxBatch: number): IsolatedRuns {
  const invalid = new Map<number, Error>();
  const sizes = clouds.map((c, i) => {
    try {
      return checkCloud(c);
    } catch (e) {
      invalid.set(i, e as Error);
      return -1;
    }
  });
  if (invalid.size === 0) return { runs: planBatches(sizes, maxBatch), invalid };
  return {
    runs: clouds
      .map((_, i) => i)
      .filter((i) => !invalid.has(i))
      .map((i) => [i]),
    invalid,
  };
}
