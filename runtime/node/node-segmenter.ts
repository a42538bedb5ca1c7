/**
 * The Segmenter over onnxruntime-node: reads the model file, validates its pnet metadata, and picks the execution
 * provider (with an explicit, reported fallback); running the session is runtime/common/ort-segmenter.ts.
 */
import { checkPositiveInt } from '../../src/core/validate.ts';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { PnetError } from '../../src/core/errors.ts';
import type { Segmenter } from '../segmenter.ts';
import { DEFAULT_MAX_POINTS } from '../common/cloud-check.ts';
import { checkMaxPoints, firstLine } from '../common/ort-segmenter.ts';
import { openOrtSegmenter, type ExecutionProviderEntry } from '../common/open-model.ts';
import { prepareOrtEnvironment } from './ort-environment.ts';
import { fetchModel, modelBytesGiven, type LoadedModel } from '../common/model-source.ts';

export type { LoadedModel };
import {
  CUDA_LIBS_INSTALL_HINT,
  probeCuda,
  type CudaEnvironment,
  type NodeExecutionProvider,
  NODE_EXECUTION_PROVIDERS,
} from './execution-providers.ts';

/** A model as a file path, a `file:` or `http(s):` URL, or the `.onnx` bytes. */
export type NodeModelSource = string | URL | ArrayBuffer | Uint8Array;

export interface NodeSegmenterOptions {
  /** Execution provider to run on; default `cpu`. */
  ep?: NodeExecutionProvider;
  /** EP to use when `ep` cannot run here; without it, an unavailable EP is an error. */
  fallback?: 'cpu';
  /**
   * Tried in order, the first that creates a session is used (as in `pnet/web`), e.g. `['cuda', 'cpu']`; instead of
   * `ep` and `fallback`.
   */
  executionProviders?: readonly NodeExecutionProvider[];
  /**
   * ONNX Runtime session options, over pnet's (all graph optimisations, sequential, `intraOpNumThreads` = `threads`);
   * the execution providers come from `ep` / `executionProviders`.
   */
  sessionOptions?: Omit<ort.InferenceSession.SessionOptions, 'executionProviders'>;
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

/** A model file's bytes; a missing file or a folder is a one-line PnetError naming the path. */
export async function readModelBytes(modelPath: string): Promise<Uint8Array> {
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
  options: NodeSegmenterOptions,
): Promise<ort.InferenceSession> {
  // A long command line would crash ORT's first session on this thread's stack (ort-environment.ts).
  await prepareOrtEnvironment();
  const ours = nodeSessionOptions(ep, options.threads);
  return ort.InferenceSession.create(bytes, {
    ...ours,
    ...options.sessionOptions,
    executionProviders: ours.executionProviders,
  });
}

/** Reads or fetches a model once (the pool hands the bytes to its workers). */
export async function loadNodeModel(model: NodeModelSource): Promise<LoadedModel> {
  const given = modelBytesGiven(model);
  if (given) return given;
  const url =
    model instanceof URL ? model : /^https?:\/\//i.test(model as string) ? new URL(model as string) : undefined;
  if (url?.protocol === 'file:') model = fileURLToPath(url);
  else if (url) return fetchModel(url.href);
  const path = model as string;
  return { bytes: await readModelBytes(path), source: path };
}

/**
 * What runs each EP here: CUDA when its libraries probe well, the CPU always. The CUDA probe's remedies are kept
 * for the error when CUDA was asked for without a fallback.
 */
function nodeProviderTable(options: NodeSegmenterOptions): {
  table: Record<NodeExecutionProvider, ExecutionProviderEntry>;
  cudaRemedy: () => string;
} {
  let cudaRemedy = CUDA_LIBS_INSTALL_HINT;
  const table: Record<NodeExecutionProvider, ExecutionProviderEntry> = {
    cuda: {
      label: 'CUDA',
      unavailable: () => {
        const status = probeCuda(options.cudaEnvironment);
        if (status.available) return undefined;
        cudaRemedy = status.remedies.join(', then ');
        return status.problems.join('; ');
      },
      createSession: (bytes) => createSession(bytes, 'cuda', options),
    },
    cpu: { label: 'CPU', createSession: (bytes) => createSession(bytes, 'cpu', options) },
  };
  return { table, cudaRemedy: () => cudaRemedy };
}

/** The providers to try, in order: `executionProviders`, or `ep` then its `fallback`. */
export function providersToTry(options: NodeSegmenterOptions): NodeExecutionProvider[] {
  const requested = options.executionProviders ?? [
    options.ep ?? 'cpu',
    ...(options.fallback ? [options.fallback] : []),
  ];
  if (requested.length === 0) throw new PnetError('BAD_ARGUMENT', 'executionProviders is empty');
  for (const ep of requested) {
    if (!(NODE_EXECUTION_PROVIDERS as readonly string[]).includes(ep)) {
      throw new PnetError(
        'BAD_ARGUMENT',
        `unknown execution provider "${ep}"; expected one of: ${NODE_EXECUTION_PROVIDERS.join(', ')}`,
      );
    }
  }
  return [...new Set(requested)];
}

/**
 * Loads a pnet ONNX model (a path, a URL or the bytes) on onnxruntime-node. Throws PnetError (NOT_FOUND, BAD_MODEL,
 * EP_UNAVAILABLE).
 */
export async function createNodeSegmenter(
  model: NodeModelSource,
  options: NodeSegmenterOptions = {},
): Promise<Segmenter> {
  providersToTry(options);
  checkPositiveInt('threads', options.threads);
  if (options.maxPoints !== undefined) checkMaxPoints(options.maxPoints);
  return openNodeSegmenter(await loadNodeModel(model), options);
}

/** createNodeSegmenter over a model already read (a pool's worker gets the bytes its pool read). */
export async function openNodeSegmenter(
  { bytes, source }: LoadedModel,
  options: NodeSegmenterOptions = {},
): Promise<Segmenter> {
  const providers = providersToTry(options);
  const { table, cudaRemedy } = nodeProviderTable(options);
  const { segmenter } = await openOrtSegmenter({
    bytes,
    source,
    providers,
    table,
    Tensor: ort.Tensor,
    maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
    maxPoints: options.maxPoints ?? DEFAULT_MAX_POINTS,
    noProvider: (fallbacks) => {
      const last = fallbacks.at(-1)!;
      // The CPU EP runs anywhere onnxruntime-node does: when it cannot load the file, the file is at fault.
      if (last.executionProvider === 'cpu') {
        return new PnetError('BAD_MODEL', `onnxruntime cannot load the model: ${firstLine(last.cause)}`, {
          file: source,
          cause: last.cause,
        });
      }
      return new PnetError('EP_UNAVAILABLE', `cannot run on CUDA: ${last.reason}`, {
        file: source,
        remedy: `${cudaRemedy()}; or add --fallback cpu to run on the CPU instead`,
        cause: last.cause,
      });
    },
  });
  return segmenter;
}
