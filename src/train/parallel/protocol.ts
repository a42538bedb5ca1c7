/** Messages between the training process and its step workers (per step only the shard and its class scores). */
import type { Batch } from '../../data/types.ts';
import type { BackendName } from '../../backend/names.ts';
import type { NamedArray, PresetSpec } from '../../model/spec.ts';
import type { LossOptions } from '../loss-options.ts';
import type { SerializedError } from '../../core/error-wire.ts';

/** The shared memory the workers reduce batch-norm statistics and gradients in (shared-reduce.ts). */
export interface SharedReduceBuffers {
  control: SharedArrayBuffer;
  small: SharedArrayBuffer;
  large: SharedArrayBuffer;
  /** Worker slots in each region. */
  slots: number;
  smallLength: number;
  largeLength: number;
}

export interface StepWorkerSetup {
  backend: BackendName;
  preset: PresetSpec;
  numClasses: number;
  /** Every parameter (moving statistics too), spec order. */
  weights: NamedArray[];
  /**
   * Adam's moments (flat, shared by every worker, each updating its share) and step, and the shared buffer of the
   * next weights; absent for a worker that only predicts.
   */
  optimizer?: { m: SharedArrayBuffer; v: SharedArrayBuffer; nextWeights: SharedArrayBuffer; step: number };
  /** The run's loss (the same for every step). */
  loss: LossOptions;
  buffers: SharedReduceBuffers;
  /** Slot in the shared buffers (the training process itself is rank 0). */
  rank: number;
}

export type ToStepWorker =
  | { type: 'train'; id: number; shard: Batch; batchClouds: number; learningRate: number; workers: number }
  | { type: 'predict'; id: number; shard: Batch }
  | { type: 'close' };

export type FromStepWorker =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'trained'; id: number; scores: Float32Array }
  | { type: 'predicted'; id: number; crossEntropy: number; scores: Float32Array }
  | { type: 'error'; id: number; error: SerializedError };
