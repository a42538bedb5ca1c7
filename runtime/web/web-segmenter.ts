/**
 * The browser `Segmenter`: onnxruntime-web with WebGPU first and WASM as the fallback. The ONNX Runtime files
 * (`ort-wasm-simd-threaded.jsep.mjs` + `.wasm`) are loaded from our own origin, by default from `ort/` next to
 * this module in the built bundle (dist/web/ort/).
 */
import * as ort from 'onnxruntime-web';
import { PnetError } from '../../src/core/errors.ts';
import type { ModelInfo, SegmentManyOptions, SegmentResult, Segmenter } from '../segmenter.ts';
import { readModelInfoFromOnnx } from '../../src/core/contract.ts';
import { checkCloud } from '../common/cloud-check.ts';
import { extentWarningOf } from '../common/cloud-extent.ts';
import { packModelInput, planBatches, unpackOutputs } from '../common/batching.ts';
import {
  DEFAULT_EXECUTION_PROVIDERS,
  parseExecutionProviders,
  webgpuUnavailableReason,
  type WebExecutionProvider,
} from './execution-providers.ts';

const INPUT = 'points';
const OUTPUT_PROBABILITIES = 'probabilities';
const OUTPUT_LABELS = 'labels';

export interface WebSegmenterOptions {
  /** Tried in order; the first that creates a session is used. Default `['webgpu', 'wasm']`. */
  executionProviders?: readonly (WebExecutionProvider | string)[];
  /** URL prefix (ending in `/`) of the ONNX Runtime `.mjs`/`.wasm` files. Default: `ort/` beside this module. */
  wasmPaths?: string;
  /** WASM threads; honoured only on cross-origin-isolated pages (COOP/COEP). Default: ONNX Runtime's choice. */
  numThreads?: number;
  /** Default for `segmentMany`'s maxBatch. */
  maxBatch?: number;
}

export const DEFAULT_WEB_MAX_BATCH = 4;

/** Why an execution provider that was asked for is not the one in use. */
export interface ExecutionProviderFallback {
  executionProvider: WebExecutionProvider;
  reason: string;
}

export interface WebSegmentResult extends SegmentResult {
  /** Part names, class-index order (same as `info.classes`). */
  classes: string[];
  /** #rrggbb per class (same as `info.colors`). */
  colors: string[];
}

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
  ort.env.wasm.wasmPaths = options.wasmPaths ?? new URL('./ort/', import.meta.url).href;
  if (options.numThreads !== undefined) ort.env.wasm.numThreads = options.numThreads;

  const { bytes, source } = await loadModelBytes(model);
  const info = readModelInfoFromOnnx(bytes, source);

  const fallbacks: ExecutionProviderFallback[] = [];
  for (const ep of providers) {
    const unavailable = ep === 'webgpu' ? await webgpuUnavailableReason() : undefined;
    if (unavailable) {
      fallbacks.push({ executionProvider: ep, reason: unavailable });
      continue;
    }
    let session: ort.InferenceSession;
    try {
      // One provider per session: given a list, ONNX Runtime would fall back silently and we could not say which ran.
      session = await ort.InferenceSession.create(bytes, { executionProviders: [ep], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
    } catch (e) {
      fallbacks.push({ executionProvider: ep, reason: `session creation failed: ${firstLine(e)}` });
      continue;
    }
    checkSignature(session, source);
    return new OrtWebSegmenter(session, info, ep, fallbacks, performance.now() - started, options.maxBatch ?? DEFAULT_WEB_MAX_BATCH);
  }
  throw new PnetError(
    'EP_UNAVAILABLE',
    `no execution provider could run ${source}: ${fallbacks.map((f) => `${f.executionProvider}: ${f.reason}`).join('; ')}`,
    { remedy: 'serve the page with the ONNX Runtime files under wasmPaths (see runtime/web/README.md)' },
  );
}

async function loadModelBytes(model: ModelSource): Promise<{ bytes: Uint8Array; source: string }> {
  if (model instanceof Uint8Array) return { bytes: model, source: 'model bytes' };
  if (model instanceof ArrayBuffer) return { bytes: new Uint8Array(model), source: 'model bytes' };
  const url = model.toString();
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new PnetError('NOT_FOUND', `could not fetch the model: ${(e as Error).message}`, { file: url, cause: e });
  }
  if (!response.ok) throw new PnetError('NOT_FOUND', `could not fetch the model: HTTP ${response.status}`, { file: url });
  return { bytes: new Uint8Array(await response.arrayBuffer()), source: url };
}

class OrtWebSegmenter implements WebSegmenter {
  /** ONNX Runtime sessions take one run at a time; calls queue here. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly session: ort.InferenceSession,
    readonly info: ModelInfo,
    readonly executionProvider: WebExecutionProvider,
    readonly fallbacks: readonly ExecutionProviderFallback[],
    readonly loadMs: number,
    private readonly maxBatch: number,
  ) {}

  async segment(xyz: Float32Array): Promise<WebSegmentResult> {
    const [result] = await this.segmentMany([xyz]);
    return result!;
  }

  get fallbackReason(): string | undefined {
    if (this.fallbacks.length === 0) return undefined;
    return this.fallbacks.map((f) => `${f.executionProvider} unavailable: ${f.reason}`).join('; ');
  }

  async segmentMany(clouds: Float32Array[], options: SegmentManyOptions = {}): Promise<WebSegmentResult[]> {
    const sizes = clouds.map((c, i) => {
      try {
        return checkCloud(c);
      } catch (e) {
        if (e instanceof PnetError && clouds.length > 1) throw new PnetError(e.code, `cloud ${i + 1} of ${clouds.length}: ${e.message}`);
        throw e;
      }
    });
    const results = new Array<WebSegmentResult>(clouds.length);
    for (const batch of planBatches(sizes, options.maxBatch ?? this.maxBatch)) {
      const out = await this.enqueue(() => this.runBatch(batch.map((i) => clouds[i]!), sizes[batch[0]!]!));
      batch.forEach((cloudIndex, j) => (results[cloudIndex] = out[j]!));
    }
    return results;
  }

  async dispose(): Promise<void> {
    await this.enqueue(() => this.session.release());
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runBatch(clouds: Float32Array[], numPoints: number): Promise<WebSegmentResult[]> {
    const input = new ort.Tensor('float32', packModelInput(clouds, this.info.normalization), [clouds.length, numPoints, 3]);
    const started = performance.now();
    const out = await this.session.run({ [INPUT]: input });
    const ms = performance.now() - started;
    const probabilities = out[OUTPUT_PROBABILITIES]!;
    const labels = out[OUTPUT_LABELS]!;
    const per = unpackOutputs(
      probabilities.data as Float32Array,
      labels.data as BigInt64Array | Int32Array,
      clouds.length,
      numPoints,
      this.info.classes.length,
    );
    input.dispose();
    probabilities.dispose();
    labels.dispose();
    return per.map((p, j) => ({
      ...extentWarningOf(clouds[j]!, p.probabilities),
      labels: p.labels,
      probabilities: p.probabilities,
      numPoints,
      executionProvider: this.executionProvider,
      ms: ms / clouds.length,
      classes: this.info.classes,
      colors: this.info.colors,
    }));
  }
}

function checkSignature(session: ort.InferenceSession, source: string): void {
  const missing = [
    ...(session.inputNames.includes(INPUT) ? [] : [`input "${INPUT}"`]),
    ...[OUTPUT_PROBABILITIES, OUTPUT_LABELS].filter((o) => !session.outputNames.includes(o)).map((o) => `output "${o}"`),
  ];
  if (missing.length > 0) {
    throw new PnetError('BAD_MODEL', `the graph does not follow the pnet contract: missing ${missing.join(', ')}`, { file: source });
  }
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0]!.trim();
}
