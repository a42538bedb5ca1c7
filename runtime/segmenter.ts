/**
 * The one interface every pnet runtime implements (onnxruntime-node, onnxruntime-web, remote servers), so the CLI,
 * the demo page and the tests can swap them freely.
 */

import type { ModelInfo } from '../src/core/contract.ts';

export type { ModelInfo };

// The key `await using` calls, declared as TypeScript's esnext.disposable lib and @types/node declare it, so these
// types check in a project that has neither (a page on lib ES2022 + DOM).
declare global {
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

export interface SegmentResult {
  /** Class index per input point. */
  labels: Int32Array;
  /** [numPoints, classes] row-major. */
  probabilities: Float32Array;
  numPoints: number;
  /** Execution provider that actually ran (e.g. `cpu`, `cuda`, `webgpu`, `wasm`). */
  executionProvider: string;
  /** Wall time of the run call, in ms; when clouds share a batched run, that run's time divided among them. */
  ms: number;
  /** Set when the cloud's extent makes the labels meaningless (runtime/common/cloud-extent.ts); callers show it. */
  warning?: string;
  /** Part names, class-index order (the model's `info.classes`), so a result can be drawn on its own. */
  classes: string[];
  /** #rrggbb per class (the model's `info.colors`). */
  colors: string[];
}

export interface SegmentManyOptions {
  /** Most clouds per run (memory grows with it); implementations pick a default. */
  maxBatch?: number;
}

export interface Segmenter {
  readonly info: ModelInfo;
  /** Execution provider the session runs on (after any fallback). */
  readonly executionProvider: string;
  /** Set when the runtime runs on another EP than the one asked for: why it fell back (printed to the user). */
  readonly fallbackReason?: string;
  /** Segments one cloud given as xyz triples (length 3·N). */
  segment(xyz: Float32Array): Promise<SegmentResult>;
  /** Segments many clouds; clouds of equal point count are batched into one run. */
  segmentMany(clouds: Float32Array[], options?: SegmentManyOptions): Promise<SegmentResult[]>;
  /** Releases the model once the runs already asked for are done; later calls throw a PnetError. */
  dispose(): Promise<void>;
  /** `dispose()`, so that `await using segmenter = await createSegmenter(…)` releases it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
}
