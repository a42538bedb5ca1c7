/**
 * Messages between the segmenter pool (main thread) and its worker threads. Errors cross the thread boundary as
 * plain data, because structured cloning keeps neither the PnetError class nor its code, file and remedy.
 */
import { PnetError, isPnetError, type PnetErrorCode } from '../../src/errors.ts';
import type { ModelInfo, SegmentResult } from '../segmenter.ts';
import type { NodeExecutionProvider } from './execution-providers.ts';

/** What a worker needs to load its own session (passed as workerData). */
export interface WorkerSetup {
  modelPath: string;
  ep: NodeExecutionProvider;
  fallback?: 'cpu';
  threads: number;
}

export interface SerializedError {
  message: string;
  /** Set for PnetError. */
  code?: PnetErrorCode;
  file?: string;
  line?: number;
  remedy?: string;
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

export function serializeError(e: unknown): SerializedError {
  if (isPnetError(e)) return { message: e.message, code: e.code, file: e.file, line: e.line, remedy: e.remedy };
  return { message: (e as Error)?.message ?? String(e) };
}

export function deserializeError(s: SerializedError): Error {
  if (s.code) return new PnetError(s.code, s.message, { file: s.file, line: s.line, remedy: s.remedy });
  return new Error(s.message);
}

/** Buffers that can move to the other thread without a copy: those a typed array covers whole, each listed once. */
export function transferables(arrays: Iterable<ArrayBufferView>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const a of arrays) {
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) buffers.add(a.buffer);
  }
  return [...buffers];
}
