/**
 * Errors and buffers across a thread boundary: structured cloning keeps neither the PnetError class nor its code,
 * file and remedy, so errors travel as plain data and are rebuilt on the other side. Browser-safe.
 */
import { PnetError, isPnetError, type PnetErrorCode } from './errors.ts';

export interface SerializedError {
  message: string;
  /** Set for PnetError. */
  code?: PnetErrorCode;
  file?: string;
  line?: number;
  remedy?: string;
}

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
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength)
      buffers.add(a.buffer);
  }
  return [...buffers];
}
