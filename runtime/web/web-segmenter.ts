/**
 * The browser `Segmenter`: onnxruntime-web with WebGPU first and WASM as the fallback. The ONNX Runtime files
 * (`ort-wasm-simd-threaded.jsep.mjs` + `.wasm`) are loaded from `wasmPaths` when given; otherwise from wherever
 * the page's onnxruntime-web looks (beside the bundle; the prebuilt dist/web/pnet-web.js points its own copy at
 * ort/ beside it, runtime/web/bundle-entry.ts). `ort.env` is global to every ONNX Runtime user of the page, so it
 * is changed only when the caller asks (`wasmPaths`, `numThreads`).
 */
import * as ort from 'onnxruntime-web';
import { PnetError } from '../../src/core/errors.ts';
import type { SegmentManyOptions, SegmentResult, Segmenter } from '../segmenter.ts';
import type { OrtSegmenter } from '../common/ort-segmenter.ts';
import { openOrtSegmenter, type ExecutionProviderEntry } from '../common/open-model.ts';
import { ASYNC_DISPOSE } from '../common/disposal.ts';
import { fetchModel, modelBytesGiven, type LoadedModel } from '../common/model-source.ts';
import {
  DEFAULT_EXECUTION_PROVIDERS,
  parseExecutionProviders,
  webgpuUnavailableReason,
  type WebExecutionProvider,
} from './execution-providers.ts';

export interface WebSegmenterOptions {
  /** Tried in order; the first that creates a session is used. Default `['webgpu', 'wasm']`. */
  executionProviders?: readonly (WebExecutionProvider | string)[];
  /**
   * URL prefix (ending in `/`) of the ONNX Runtime `.mjs`/`.wasm` files (the package ships them in `pnet/web/ort/`).
   * Sets onnxruntime-web's global `ort.env.wasm.wasmPaths`; left out, `ort.env` is not touched.
   */
  wasmPaths?: string;
  /** WASM threads; honoured only on cross-origin-isolated pages (COOP/COEP). Default: ONNX Runtime's choice. */
  numThreads?: number;
  /** Default for `segmentMany`'s maxBatch. */
  maxBatch?: number;
  /**
   * ONNX Runtime session options, over pnet's (all graph optimisations, quiet logs); the execution providers come
   * from `executionProviders`.
   */
  sessionOptions?: Omit<ort.InferenceSession.SessionOptions, 'executionProviders'>;
}

export const DEFAULT_WEB_MAX_BATCH = 4;

/** Why an execution provider that was asked for is not the one in use. */
export interface ExecutionProviderFallback {
  executionProvider: WebExecutionProvider;
  reason: string;
}

/** Kept for code written against it: every SegmentResult now carries `classes` and `colors`. */
export type WebSegmentResult = SegmentResult;

export interface WebSegmenter extends Segmenter {
  readonly executionProvider: WebExecutionProvider;
  /** Providers tried before the one in use, each with the reason it was skipped. Empty when the first worked. */
  readonly fallbacks: readonly ExecutionProviderFallback[];
  /** The fallbacks as one sentence; undefined when the first provider asked for is in use. */
  readonly fallbackReason?: string;
  /** Wall time of fetching the model and creating the session, in ms. */
  readonly loadMs: number;
  segment(xyz: Float32Array): Promise<WebSegmentResult>;
  segmentMany(clouds: Float32Array[], options?: SegmentManyOptions): Promise<WebSegmentResult[]>;
}

/** A model given by URL (fetched) or as the `.onnx` bytes. */
export type ModelSource = string | URL | ArrayBuffer | Uint8Array;

export async function createSegmenter(model: ModelSource, options: WebSegmenterOptions = {}): Promise<WebSegmenter> {
  const started = performance.now();
  const providers = parseExecutionProviders(options.executionProviders ?? DEFAULT_EXECUTION_PROVIDERS);
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  if (options.numThreads !== undefined) ort.env.wasm.numThreads = options.numThreads;

  const { bytes, source } = await loadModelBytes(model);
  // One provider per session: given a list, ONNX Runtime would fall back silently and we could not say which ran.
  const sessionOn = (ep: WebExecutionProvider) => (b: Uint8Array) =>
    ort.InferenceSession.create(b, {
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...options.sessionOptions,
      executionProviders: [ep],
    });
  const table: Record<WebExecutionProvider, ExecutionProviderEntry> = {
    webgpu: { label: 'WebGPU', unavailable: webgpuUnavailableReason, createSession: sessionOn('webgpu') },
    wasm: { label: 'WASM', createSession: sessionOn('wasm') },
  };
  const opened = await openOrtSegmenter({
    bytes,
    source,
    providers,
    table,
    Tensor: ort.Tensor,
    maxBatch: options.maxBatch ?? DEFAULT_WEB_MAX_BATCH,
    noProvider: (fallbacks) =>
      new PnetError(
        'EP_UNAVAILABLE',
        `no execution provider could run ${source}: ${fallbacks.map((f) => `${f.executionProvider}: ${f.reason}`).join('; ')}`,
        {
          remedy:
            'serve pnet/web/ort/* where onnxruntime-web looks (beside your bundle) or pass wasmPaths (node_modules/pnet/runtime/web/README.md)',
        },
      ),
  });
  const fallbacks = opened.fallbacks.map(({ executionProvider, reason }) => ({ executionProvider, reason }));
  return webSegmenter(opened.segmenter, opened.executionProvider, fallbacks, performance.now() - started);
}

function loadModelBytes(model: ModelSource): Promise<LoadedModel> {
  const given = modelBytesGiven(model);
  return given ? Promise.resolve(given) : fetchModel(model.toString());
}

/** The shared ORT segmenter, with what the page shows besides: the EPs tried, and the load time. */
function webSegmenter(
  segmenter: OrtSegmenter,
  executionProvider: WebExecutionProvider,
  fallbacks: readonly ExecutionProviderFallback[],
  loadMs: number,
): WebSegmenter {
  return {
    info: segmenter.info,
    executionProvider,
    fallbacks,
    fallbackReason: segmenter.fallbackReason,
    loadMs,
    segment: (xyz) => segmenter.segment(xyz),
    segmentMany: (clouds, options) => segmenter.segmentMany(clouds, options),
    dispose: () => segmenter.dispose(),
    [ASYNC_DISPOSE]: () => segmenter.dispose(),
  };
}
