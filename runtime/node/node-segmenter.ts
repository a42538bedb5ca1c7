/**
 * The Segmenter over onnxruntime-node: reads the model file, validates its pnet metadata, and picks the execution
 * provider (with an explicit, reported fallback); running the session is runtime/common/ort-segmenter.ts.
 */
import { checkPositiveInt } from '../../src/core/validate.ts';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { PnetError } from '../../src/core/errors.ts';
import type { Segmenter } from '../segmenter.ts';
import { readModelInfoFromOnnx } from '../../src/core/contract.ts';
import { DEFAULT_MAX_POINTS } from '../common/cloud-check.ts';
import { checkMaxPoints, checkSignature, firstLine, OrtSegmenter, probeOutputs } from '../common/ort-segmenter.ts';
import { prepareOrtEnvironment } from './ort-environment.ts';
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
  /**
   * Most points of a cloud (default DEFAULT_MAX_POINTS, 100,000); a larger cloud is refused before it runs, and a
   * batched run holds at most this many points in all. Memory grows with them: about 5 KB per point for the lite
   * preset, 19 KB for keras (onnxruntime-node, CPU).
   */
  maxPoints?: number;
  /** Overrides the CUDA probe (tests). */
  cudaEnvironment?: CudaEnvironment;
}

export const DEFAULT_MAX_BATCH = 8;
export { DEFAULT_MAX_POINTS };

// ORT prints its own red log line when an EP library fails to load, before pnet can report the failure as one
// sentence. The level is read once, when ORT initialises, so it is set at import.
ort.env.logLevel = 'fatal';

async function readModelBytes(modelPath: string): Promise<Uint8Array> {
  try {
    return await readFile(modelPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PnetError('NOT_FOUND', 'model file not found', { file: modelPath });
    if (code === 'EISDIR')
      throw new PnetError('BAD_MODEL', 'expected an .onnx file, got a directory', { file: modelPath });
    throw new PnetError('BAD_MODEL', `cannot read the model file (${code ?? (e as Error).message})`, {
      file: modelPath,
    });
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

async function createSession(
  bytes: Uint8Array,
  ep: NodeExecutionProvider,
  threads: number | undefined,
): Promise<ort.InferenceSession> {
  // A long command line would crash ORT's first session on this thread's stack (ort-environment.ts).
  await prepareOrtEnvironment();
  return ort.InferenceSession.create(bytes, nodeSessionOptions(ep, threads));
}

/** Loads a pnet ONNX model on onnxruntime-node. Throws PnetError (NOT_FOUND, BAD_MODEL, EP_UNAVAILABLE). */
export async function createNodeSegmenter(modelPath: string, options: NodeSegmenterOptions = {}): Promise<Segmenter> {
  const requested = options.ep ?? 'cpu';
  if (!(NODE_EXECUTION_PROVIDERS as readonly string[]).includes(requested)) {
    throw new PnetError(
      'BAD_ARGUMENT',
      `unknown execution provider "${requested}"; expected one of: ${NODE_EXECUTION_PROVIDERS.join(', ')}`,
    );
  }
  checkPositiveInt('threads', options.threads);
  if (options.maxPoints !== undefined) checkMaxPoints(options.maxPoints);
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
      throw new PnetError('BAD_MODEL', `onnxruntime cannot load the model: ${firstLine(e)}`, {
        file: modelPath,
        cause: e,
      });
    }
    fallBackOr(`onnxruntime could not start the CUDA EP: ${firstLine(e)}`, CUDA_LIBS_INSTALL_HINT);
    try {
      session = await createSession(bytes, ep, options.threads);
    } catch (e2) {
      throw new PnetError('BAD_MODEL', `onnxruntime cannot load the model: ${firstLine(e2)}`, {
        file: modelPath,
        cause: e2,
      });
    }
  }
  try {
    checkSignature(session, modelPath);
    await probeOutputs(session, ort.Tensor, info, modelPath);
  } catch (e) {
    await session.release();
    throw e;
  }
  return new OrtSegmenter({
    session,
    Tensor: ort.Tensor,
    info,
    executionProvider: ep,
    maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
    maxPoints: options.maxPoints ?? DEFAULT_MAX_POINTS,
    model: modelPath,
    ...(fallbackReason !== undefined && { fallbackReason }),
  });
}
