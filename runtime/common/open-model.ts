/**
 * Opening a pnet model on ONNX Runtime, the one way for every platform: read and check its pnet metadata, try the
 * execution providers in the caller's order (each platform gives only a table of how to start a session on each
 * EP and why one may be unavailable), check the graph against the contract and probe its outputs, and report which
 * EPs were passed over and why. onnxruntime-common's types only: neither runtime package is imported here.
 */
import type { InferenceSession } from 'onnxruntime-common';
import type { PnetError } from '../../src/core/errors.ts';
import { readModelInfoFromOnnx } from '../../src/core/contract.ts';
import { checkSignature, firstLine, OrtSegmenter, probeOutputs, type TensorClass } from './ort-segmenter.ts';

/** How a platform runs one execution provider. */
export interface ExecutionProviderEntry {
  /** What messages call it: `CUDA`, `CPU`, `WebGPU`, `WASM`. */
  label: string;
  /** Why it cannot run here, found before a session is tried; undefined when it may. */
  unavailable?: () => Promise<string | undefined> | string | undefined;
  createSession: (bytes: Uint8Array) => Promise<InferenceSession>;
}

/** An execution provider that was asked for but passed over, and why. */
export interface ExecutionProviderFallback<EP extends string = string> {
  executionProvider: EP;
  reason: string;
  /** ONNX Runtime's error when a session was tried and failed. */
  cause?: unknown;
}

export interface OpenModelSetup<EP extends string> {
  bytes: Uint8Array;
  /** The model's file or URL (or `model bytes`), named in errors. */
  source: string;
  /** Tried in this order; the first that gives a session is used. */
  providers: readonly EP[];
  table: Record<EP, ExecutionProviderEntry>;
  Tensor: TensorClass;
  maxBatch: number;
  maxPoints?: number;
  /** The error when no provider gave a session, from what each one said (the platform knows the remedy). */
  noProvider: (fallbacks: ExecutionProviderFallback<EP>[]) => PnetError;
}

export interface OpenedModel<EP extends string> {
  segmenter: OrtSegmenter;
  executionProvider: EP;
  fallbacks: ExecutionProviderFallback<EP>[];
}

/** `CUDA is unavailable (…); running on the CPU`: what a user is told when another EP than the first one runs. */
export function describeFallbacks<EP extends string>(
  fallbacks: readonly ExecutionProviderFallback<EP>[],
  used: EP,
  table: Record<EP, ExecutionProviderEntry>,
): string | undefined {
  if (fallbacks.length === 0) return undefined;
  const passed = fallbacks.map((f) => `${table[f.executionProvider].label} is unavailable (${f.reason})`).join('; ');
  return `${passed}; running on the ${table[used].label}`;
}

export async function openOrtSegmenter<EP extends string>(setup: OpenModelSetup<EP>): Promise<OpenedModel<EP>> {
  const { bytes, source, table } = setup;
  const info = readModelInfoFromOnnx(bytes, source);
  const fallbacks: ExecutionProviderFallback<EP>[] = [];
  for (const ep of setup.providers) {
    const entry = table[ep];
    const unavailable = await entry.unavailable?.();
    if (unavailable) {
      fallbacks.push({ executionProvider: ep, reason: unavailable });
      continue;
    }
    let session: InferenceSession;
    try {
      session = await entry.createSession(bytes);
    } catch (e) {
      fallbacks.push({
        executionProvider: ep,
        reason: `onnxruntime could not start the ${entry.label} EP: ${firstLine(e)}`,
        cause: e,
      });
      continue;
    }
    try {
      checkSignature(session, source);
      // A model whose outputs disagree with its metadata fails here, once, not in every segment call.
      await probeOutputs(session, setup.Tensor, info, source);
    } catch (e) {
      await session.release();
      throw e;
    }
    const fallbackReason = describeFallbacks(fallbacks, ep, table);
    const segmenter = new OrtSegmenter({
      session,
      Tensor: setup.Tensor,
      info,
      executionProvider: ep,
      maxBatch: setup.maxBatch,
      ...(setup.maxPoints !== undefined && { maxPoints: setup.maxPoints }),
      model: source,
      ...(fallbackReason !== undefined && { fallbackReason }),
    });
    return { segmenter, executionProvider: ep, fallbacks };
  }
  throw setup.noProvider(fallbacks);
}
