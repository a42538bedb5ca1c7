/**
 * Messages between the segmenter pool (main thread) and its worker threads (errors travel as src/core/error-wire.ts).
 */
import type { SerializedError } from '../../src/core/error-wire.ts';
import type { ModelInfo, SegmentResult } from '../segmenter.ts';
import type { LoadedModel, NodeSegmenterOptions } from './node-segmenter.ts';

/** What a worker needs to load its own session (passed as workerData). */
export interface WorkerSetup {
  /** The model, read once by the pool; `source` names it in errors. */
  model: LoadedModel;
  /** The pool's options for each worker's segmenter, with the providers resolved to a list. */
  options: Pick<NodeSegmenterOptions, 'executionProviders' | 'sessionOptions' | 'threads' | 'maxPoints'>;
}

export type WireCloud = { points: Float32Array } | { error: SerializedError };
export type WireResult = { result: SegmentResult } | { error: SerializedError };

export type ToWorker =
  /** Read and parse these cloud files. */
  | { type: 'read'; id: number; files: string[] }
  /** Run these clouds as one group (one batched run; cloud by cloud if that fails). */
  | { type: 'segment'; id: number; clouds: Float32Array[] }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; info: ModelInfo; executionProvider: string; fallbackReason?: string }
  | { type: 'failed'; error: SerializedError }
  | { type: 'read'; id: number; clouds: WireCloud[] }
  | { type: 'segment'; id: number; results: WireResult[] };

/**
 * A cloud as it should cross to another thread: its own bytes. Posting a subarray clones the whole buffer under it
 * (40 clouds sliced from one 24 MB file buffer would copy 24 MB each); a view that covers its buffer goes as is.
 */
export function ownBytes(cloud: Float32Array): Float32Array {
  return cloud.byteOffset === 0 && cloud.byteLength === cloud.buffer.byteLength ? cloud : cloud.slice();
}
