/**
 * A capability a Segmenter may have beyond the interface every runtime implements: it reads cloud files where it
 * runs and runs several groups of clouds at once (the worker pool). Labelling many files asks for the capability,
 * not for a class.
 */
import type { SegmentResult, Segmenter } from '../segmenter.ts';

export interface ParallelSegmenter extends Segmenter {
  /** Groups of clouds worth running at once (the pool: enough to keep each worker busy). */
  readonly lanes: number;
  /** Reads and parses cloud files: points, or the error that names the file. */
  readClouds(files: string[]): Promise<Array<Float32Array | Error>>;
  /** Runs clouds as one group; a cloud that fails is its own Error, the others still get results. */
  segmentGroup(clouds: Float32Array[]): Promise<Array<SegmentResult | Error>>;
}

export function isParallelSegmenter(segmenter: Segmenter): segmenter is ParallelSegmenter {
  const s = segmenter as Partial<ParallelSegmenter>;
  return typeof s.lanes === 'number' && typeof s.readClouds === 'function' && typeof s.segmentGroup === 'function';
}
