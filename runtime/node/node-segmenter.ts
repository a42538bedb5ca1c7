/**
 * The Segmenter over onnxruntime-node: validates the model's pnet metadata, picks the execution provider (with an
 * explicit, reported fallback), and runs clouds of equal size in batches.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { PnetError } from '../../src/core/errors.ts';
import type { ModelInfo, SegmentManyOptions, SegmentResult, Segmenter } from '../segmenter.ts';
import { readModelInfoFromOnnx } from '../../src/core/contract.ts';
import { checkCloud } from '../common/cloud-check.ts';
import { extentWarningOf } from '../common/cloud-extent.ts';
import { checkProbeOutputs, PROBE_CLOUD } from '../common/output-check.ts';
import { packModelInput, planBatches, unpackOutputs } from '../common/batching.ts';
import {
  CUDA_LIBS_INSTALL_HINT,
  probeCuda,
  type CudaEnvironment,
  type NodeExecutionProvider,
  NODE_EXECUTION_PROVIDERS,
} from './execution-providers.ts';

export interface NodeSegmenterOptions {
  /** Execution provider to run on; default `cpu`. */
  ep?: NodeExecutionProvider;
  /** EP to use when `ep` cannot run here; without it, an unavailable EP is an error. */
  fallback?: 'cpu';
  /** Threads for one operator (intra-op); default: all cores. CPU EP only. */
  threads?: number;
  /** Default for `segmentMany`'s maxBatch. */
  maxBatch?: number;
  /** Overrides the CUDA probe (tests). */
  cudaEnvironment?: CudaEnvironment;
}

export const DEFAULT_MAX_BATCH = 8;

// ORT prints its own red log line when an EP library fails to load, before pnet can report the failure as one
// sentence. The level is read once, when ORT initialises, so it is set at import.
ort.env.logLevel = 'fatal';

const INPUT = 'points';
const OUTPUTS = ['probabilities', 'labels'] as const;

async function readModelBytes(modelPath: string): Promise<Uint8Array> {
  try {
    return await readFile(modelPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PnetError('NOT_FOUND', 'model file not found', { file: modelPath });
    if (code === 'EISDIR') throw new PnetError('BAD_MODEL', 'expected an .onnx file, got a directory', { file: modelPath });
    throw new PnetError('BAD_MODEL', `cannot read the model file (${code ?? (e as Error).message})`, { file: modelPath });
  }
}

/** Session options tuned for throughput; the benchmark uses the same ones. */
export function nodeSessionOptions(ep: NodeExecutionProvider, threads?: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [ep === 'cuda' ? { name: 'cuda', deviceId: 0 } : 'cpu'],
    graphOptimizationLevel: 'all',
    // One graph, one request at a time: all cores go to the operators themselves.
    intraOpNumThreads: threads ?? availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
    // ORT logs EP load failures itself; pnet reports them as one line, so keep its own log to fatal errors.
    logSeverityLevel: 4,
  };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split('\n')[0]!
    .trim();
}

class NodeSegmenter implements Segmenter {
  constructor(
    readonly info: ModelInfo,
    readonly executionProvider: NodeExecutionProvider,
    private readonly session: ort.InferenceSession,
    private readonly defaultMaxBatch: number,
    readonly fallbackReason?: string,
  ) {}

  async segment(xyz: Float32Array): Promise<SegmentResult> {
    return (await this.segmentMany([xyz], { maxBatch: 1 }))[0]!;
  }

  async segmentMany(clouds: Float32Array[], options: SegmentManyOptions = {}): Promise<SegmentResult[]> {
    const sizes = clouds.map((c, i) => {
      try {
        return checkCloud(c);
      } catch (e) {
        if (e instanceof PnetError && clouds.length > 1) {
          throw new PnetError(e.code, `cloud ${i + 1} of ${clouds.length}: ${e.message}`);
        }
        throw e;
      }
    });
    const results: SegmentResult[] = new Array(clouds.length);
    for (const batch of planBatches(sizes, options.maxBatch ?? this.defaultMaxBatch)) {
      const n = sizes[batch[0]!]!;
      const input = new ort.Tensor('float32', packModelInput(batch.map((i) => clouds[i]!), this.info.normalization), [batch.length, n, 3]);
      const start = performance.now();
      const out = await this.session.run({ [INPUT]: input });
      const ms = performance.now() - start;
      const probabilities = out.probabilities!;
      const labels = out.labels!;
      const per = unpackOutputs(
        probabilities.data as Float32Array,
        labels.data as BigInt64Array | Int32Array,
        batch.length,
        n,
        this.info.classes.length,
      );
      batch.forEach((cloudIndex, j) => {
        results[cloudIndex] = {
          labels: per[j]!.labels,
          probabilities: per[j]!.probabilities,
          numPoints: n,
          executionProvider: this.executionProvider,
          ms: ms / batch.length,
          ...extentWarningOf(clouds[cloudIndex]!, per[j]!.probabilities),
        };
      });
      input.dispose();
      probabilities.dispose();
      labels.dispose();
    }
    return results;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

async function createSession(
  bytes: Uint8Array,
  ep: NodeExecutionProvider,
  threads: number | undefined,
): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, nodeSessionOptions(ep, threads));
}

function checkSignature(session: ort.InferenceSession, modelPath: string): void {
  const missing = [
    ...(session.inputNames.includes(INPUT) ? [] : [`input "${INPUT}"`]),
    ...OUTPUTS.filter((o) => !session.outputNames.includes(o)).map((o) => `output "${o}"`),
  ];
  if (missing.length > 0) {
    throw new PnetError(
      'BAD_MODEL',
      `the graph does not follow the pnet contract: missing ${missing.join(', ')} ` +
        `(it has inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')})`,
      { file: modelPath },
    );
  }
}

async function probeOutputs(session: ort.InferenceSession, info: ModelInfo, modelPath: string): Promise<void> {
  const input = new ort.Tensor('float32', packModelInput([PROBE_CLOUD], info.normalization), [1, PROBE_CLOUD.length / 3, 3]);
  let out: ort.InferenceSession.OnnxValueMapType;
  try {
    out = await session.run({ [INPUT]: input });
  } catch (e) {
    throw new PnetError('BAD_MODEL', `onnxruntime cannot run the model: ${firstLine(e)}`, { file: modelPath, cause: e });
  } finally {
    input.dispose();
  }
  const probabilities = out.probabilities!;
  const labels = out.labels!;
  try {
    checkProbeOutputs(info, probabilities.data.length, labels.data.length, modelPath);
  } finally {
    probabilities.dispose();
    labels.dispose();
  }
}

/** Loads a pnet ONNX model on onnxruntime-node. Throws PnetError (NOT_FOUND, BAD_MODEL, EP_UNAVAILABLE). */
export async function createNodeSegmenter(modelPath: string, options: NodeSegmenterOptions = {}): Promise<Segmenter> {
  const requested = options.ep ?? 'cpu';
  if (!(NODE_EXECUTION_PROVIDERS as readonly string[]).includes(requested)) {
    throw new PnetError('BAD_ARGUMENT', `unknown execution provider "${requested}"; expected one of: ${NODE_EXECUTION_PROVIDERS.join(', ')}`);
  }
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new PnetError('BAD_ARGUMENT', `threads must be a positive integer, got ${options.threads}`);
  }
  const bytes = await readModelBytes(modelPath);
  const info = readModelInfoFromOnnx(bytes, modelPath);

  let ep: NodeExecutionProvider = requested;
  let fallbackReason: string | undefined;
  const fallBackOr = (problem: string, remedy: string): void => {
    if (options.fallback !== 'cpu') {
      throw new PnetError('EP_UNAVAILABLE', `cannot run on CUDA: ${problem}`, {
        file: modelPath,
        remedy: `${remedy}; or add --fallback cpu to run on the CPU instead`,
      });
    }
    ep = 'cpu';
    fallbackReason = `CUDA is unavailable (${problem}); running on the CPU`;
  };

  if (requested === 'cuda') {
    const status = probeCuda(options.cudaEnvironment);
    if (!status.available) fallBackOr(status.problems.join('; '), status.remedies.join(', then '));
  }

  let session: ort.InferenceSession;
  try {
    session = await createSession(bytes, ep, options.threads);
  } catch (e) {
    if (ep !== 'cuda') {
      throw new PnetError('BAD_MODEL', `onnxruntime cannot load the model: ${firstLine(e)}`, { file: modelPath, cause: e });
    }
    fallBackOr(`onnxruntime could not start the CUDA EP: ${firstLine(e)}`, CUDA_LIBS_INSTALL_HINT);
    try {
      session = await createSession(bytes, ep, options.threads);
    } catch (e2) {
      throw new PnetError('BAD_MODEL', `onnxruntime cannot load the model: ${firstLine(e2)}`, { file: modelPath, cause: e2 });
    }
  }
  try {
    checkSignature(session, modelPath);
    await probeOutputs(session, info, modelPath);
  } catch (e) {
    await session.release();
    throw e;
  }
  return new NodeSegmenter(info, ep, session, options.maxBatch ?? DEFAULT_MAX_BATCH, fallbackReason);
}
