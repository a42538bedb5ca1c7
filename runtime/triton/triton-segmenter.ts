/**
 * The Segmenter over a Triton Inference Server (KServe v2 HTTP/REST protocol). The model is described by its
 * configuration (`GET /v2/models/<name>/config`): `pnet export --triton` stores the pnet metadata in its
 * `parameters`, and its dims say whether the point count is fixed. Inference is `POST /v2/models/<name>/infer`
 * with JSON tensors; equal-size clouds share a request, up to the model's max_batch_size.
 */
import { checkPositiveInt } from '../../src/core/validate.ts';
import { extentWarningOf } from '../common/cloud-extent.ts';
import { PnetError } from '../../src/core/errors.ts';
import { TENSOR_NAMES } from '../../src/core/contract.ts';
import type { ModelInfo, SegmentManyOptions, SegmentResult, Segmenter } from '../segmenter.ts';
import { checkCloud } from '../common/cloud-check.ts';
import { ASYNC_DISPOSE, disposedError } from '../common/disposal.ts';
import { packBatch, planBatches, unpackOutputs } from '../common/batching.ts';
import { inferRequestBody, modelUrl, requestJson, type KserveInferResponse, type KserveTensor } from './kserve-http.ts';
import { readServedModel, type ServedModel } from './served-model.ts';
import { gatherResults, resampleCloud, type ResampledCloud } from './point-sampling.ts';

export interface TritonSegmenterOptions {
  /** Model version to address; default: the version Triton's version policy picks. */
  version?: string;
  /** Default for `segmentMany`'s maxBatch (never above the model's max_batch_size). Default 8. */
  maxBatch?: number;
  /** Requests in flight at once during `segmentMany`, so Triton's dynamic batcher has work to merge. Default 4. */
  concurrency?: number;
  /** Extra HTTP headers (e.g. authorisation for a gateway in front of Triton). */
  headers?: Record<string, string>;
}

export const DEFAULT_TRITON_CONCURRENCY = 4;
const DEFAULT_MAX_BATCH = 8;

function tensorData(t: KserveTensor): unknown[] {
  // KServe v2 allows nested arrays; Triton sends them flat.
  return Array.isArray(t.data) ? (t.data as unknown[]).flat(Infinity as 1) : [];
}

class TritonSegmenter implements Segmenter {
  readonly info: ModelInfo;
  readonly executionProvider: string;
  readonly fallbackReason = undefined;
  private disposed = false;

  constructor(
    private readonly model: ServedModel,
    private readonly inferUrl: string,
    private readonly headers: Record<string, string>,
    private readonly defaultMaxBatch: number,
    private readonly concurrency: number,
  ) {
    this.info = model.info;
    this.executionProvider = model.executionProvider;
  }

  async segment(xyz: Float32Array): Promise<SegmentResult> {
    return (await this.segmentMany([xyz], { maxBatch: 1 }))[0]!;
  }

  async segmentMany(clouds: Float32Array[], options: SegmentManyOptions = {}): Promise<SegmentResult[]> {
    if (this.disposed) throw disposedError(this.inferUrl);
    const fixed = this.model.fixedPoints;
    const resampled: Array<ResampledCloud | undefined> = [];
    const inputs = clouds.map((c, i) => {
      try {
        const n = checkCloud(c);
        if (fixed === undefined || n === fixed) return c;
        resampled[i] = resampleCloud(c, fixed);
        return resampled[i]!.xyz;
      } catch (e) {
        if (e instanceof PnetError && clouds.length > 1) {
          throw new PnetError(e.code, `cloud ${i + 1} of ${clouds.length}: ${e.message}`);
        }
        throw e;
      }
    });
    const limit = this.model.maxBatchSize > 0 ? this.model.maxBatchSize : Infinity;
    const maxBatch = Math.min(options.maxBatch ?? this.defaultMaxBatch, limit);
    const sizes = inputs.map((c) => c.length / 3);
    const batches = planBatches(sizes, maxBatch);
    const results: SegmentResult[] = new Array(clouds.length);

    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        const n = sizes[batch[0]!]!;
        const start = performance.now();
        const per = await this.infer(packBatch(batch.map((i) => inputs[i]!)), batch.length, n);
        const ms = (performance.now() - start) / batch.length;
        batch.forEach((cloudIndex, j) => {
          const r = resampled[cloudIndex];
          const out = r
            ? gatherResults(r.slotOf, per[j]!.labels, per[j]!.probabilities, this.info.classes.length)
            : per[j]!;
          results[cloudIndex] = {
            labels: out.labels,
            probabilities: out.probabilities,
            numPoints: clouds[cloudIndex]!.length / 3,
            executionProvider: this.executionProvider,
            ms,
            ...extentWarningOf(clouds[cloudIndex]!, out.probabilities),
            classes: this.info.classes,
            colors: this.info.colors,
          };
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, worker));
    return results;
  }

  private async infer(packed: Float32Array, batch: number, n: number) {
    const body = await requestJson(
      this.inferUrl,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.headers },
        body: JSON.stringify(inferRequestBody(packed, batch, n)),
      },
      'Triton inference',
      (status) => (status === 400 ? 'BAD_INPUT' : status === 404 ? 'NOT_FOUND' : 'REMOTE_ERROR'),
    );
    const outputs = (body as Partial<KserveInferResponse>)?.outputs;
    const classes = this.info.classes.length;
    const take = (name: string, datatype: string, shape: number[]): unknown[] => {
      const t = Array.isArray(outputs) ? outputs.find((o) => o?.name === name) : undefined;
      const problem = !t
        ? 'is missing'
        : t.datatype !== datatype
          ? `has datatype ${t.datatype}, expected ${datatype}`
          : (t.shape ?? []).map(Number).join() !== shape.join()
            ? `has shape [${t.shape}], expected [${shape}]`
            : undefined;
      if (problem)
        throw new PnetError('BAD_MODEL', `the inference response's "${name}" output ${problem}`, {
          file: this.inferUrl,
        });
      return tensorData(t!);
    };
    const probabilities = Float32Array.from(take(TENSOR_NAMES.probabilities, 'FP32', [batch, n, classes]) as number[]);
    const labels = Int32Array.from(take(TENSOR_NAMES.labels, 'INT64', [batch, n]) as number[]);
    try {
      return unpackOutputs(probabilities, labels, batch, n, classes);
    } catch (e) {
      throw new PnetError('BAD_MODEL', `the inference response does not match its shape: ${(e as Error).message}`, {
        file: this.inferUrl,
      });
    }
  }

  async dispose(): Promise<void> {
    // Nothing is held open (each call is a plain HTTP request); later calls are refused as on every runtime.
    this.disposed = true;
  }

  [ASYNC_DISPOSE](): Promise<void> {
    return this.dispose();
  }
}

/**
 * Connects to a pnet model served by Triton at `baseUrl` (e.g. http://localhost:8000). Throws PnetError:
 * REMOTE_ERROR (server unreachable), NOT_FOUND (no such model), BAD_MODEL (not a pnet export).
 */
export async function createTritonSegmenter(
  baseUrl: string,
  modelName: string,
  options: TritonSegmenterOptions = {},
): Promise<Segmenter> {
  if (!/^https?:\/\/[^/]/.test(baseUrl)) {
    throw new PnetError('BAD_ARGUMENT', `the Triton URL must start with http:// or https://, got "${baseUrl}"`);
  }
  checkPositiveInt('maxBatch', options.maxBatch);
  checkPositiveInt('concurrency', options.concurrency);
  const configUrl = modelUrl(baseUrl, modelName, options.version, '/config');
  const config = await requestJson(
    configUrl,
    { headers: { accept: 'application/json', ...options.headers } },
    `reading the configuration of model "${modelName}"`,
    () => 'NOT_FOUND',
  );
  const model = readServedModel(config, configUrl);
  return new TritonSegmenter(
    model,
    modelUrl(baseUrl, modelName, options.version, '/infer'),
    options.headers ?? {},
    options.maxBatch ?? DEFAULT_MAX_BATCH,
    options.concurrency ?? DEFAULT_TRITON_CONCURRENCY,
  );
}
