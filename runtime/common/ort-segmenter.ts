/**
 * The Segmenter over an ONNX Runtime session, whichever package made it (onnxruntime-node or onnxruntime-web): it
 * checks the graph against the pnet contract, batches clouds of equal size, and runs one batch at a time. Only
 * onnxruntime-common's types are imported, so this module pulls in neither runtime; the caller hands over its
 * session and its own Tensor class (a tensor must come from the package that runs it).
 */
import { checkPositiveInt } from '../../src/core/validate.ts';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { bounded, PnetError } from '../../src/core/errors.ts';
import { TENSOR_NAMES } from '../../src/core/contract.ts';
import type { ModelInfo, SegmentManyOptions, SegmentResult, Segmenter } from '../segmenter.ts';
import { checkClouds, DEFAULT_MAX_POINTS } from './cloud-check.ts';
import { extentWarningOf } from './cloud-extent.ts';
import { checkOutputTypes, checkProbeOutputs, PROBE_CLOUD } from './output-check.ts';
import { packModelInput, planBatches, unpackOutputs } from './batching.ts';
import { ASYNC_DISPOSE, disposedError } from './disposal.ts';

/** The runtime's Tensor class, as far as a float32 input needs it. */
export type TensorClass = new (type: 'float32', data: Float32Array, dims: readonly number[]) => Tensor;

export interface OrtSegmenterSetup {
  session: InferenceSession;
  Tensor: TensorClass;
  info: ModelInfo;
  /** The EP the session actually runs on (after any fallback). */
  executionProvider: string;
  fallbackReason?: string;
  /** Default for `segmentMany`'s maxBatch. */
  maxBatch: number;
  /** Most points of a cloud, and of a batched run (default DEFAULT_MAX_POINTS). */
  maxPoints?: number;
  /** The model's file (or URL), named in errors ONNX Runtime raises while running clouds. */
  model?: string;
}

/** Throws BAD_ARGUMENT unless `maxPoints` is a positive integer. */
export function checkMaxPoints(maxPoints: number): void {
  checkPositiveInt('maxPoints', maxPoints);
}

const OUTPUTS = [TENSOR_NAMES.probabilities, TENSOR_NAMES.labels] as const;

/** Most characters of ORT's message an error keeps: its node names come from the model and may be any length. */
const ORT_MESSAGE_LIMIT = 1000;

/** First line of an error's message: ORT's own messages go on for pages of stack and build details. */
export function firstLine(e: unknown): string {
  return bounded(
    String((e as Error)?.message ?? e)
      .split('\n')[0]!
      .trim(),
    ORT_MESSAGE_LIMIT,
  );
}

/** Throws BAD_MODEL naming every contract tensor the graph lacks, and what it has instead. */
export function checkSignature(session: Pick<InferenceSession, 'inputNames' | 'outputNames'>, file: string): void {
  const missing = [
    ...(session.inputNames.includes(TENSOR_NAMES.points) ? [] : [`input "${TENSOR_NAMES.points}"`]),
    ...OUTPUTS.filter((o) => !session.outputNames.includes(o)).map((o) => `output "${o}"`),
  ];
  if (missing.length > 0) {
    throw new PnetError(
      'BAD_MODEL',
      `the graph does not follow the pnet contract: missing ${missing.join(', ')} ` +
        `(it has inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')})`,
      { file },
    );
  }
}

/**
 * Runs one small cloud, so a model whose outputs disagree with its metadata or the contract's element types fails
 * at load, once. Every ORT segmenter (Node and web) calls it before its first cloud.
 */
export async function probeOutputs(
  session: InferenceSession,
  TensorOf: TensorClass,
  info: ModelInfo,
  file: string,
): Promise<void> {
  const input = new TensorOf('float32', packModelInput([PROBE_CLOUD], info.normalization), [
    1,
    PROBE_CLOUD.length / 3,
    3,
  ]);
  let out: InferenceSession.OnnxValueMapType;
  try {
    out = await session.run({ [TENSOR_NAMES.points]: input });
  } catch (e) {
    throw new PnetError('BAD_MODEL', `onnxruntime cannot run the model: ${firstLine(e)}`, { file, cause: e });
  } finally {
    input.dispose();
  }
  const probabilities = out[TENSOR_NAMES.probabilities]!;
  const labels = out[TENSOR_NAMES.labels]!;
  try {
    checkOutputTypes({ probabilities: probabilities.type, labels: labels.type }, file);
    checkProbeOutputs(info, probabilities.data.length, labels.data.length, file);
  } finally {
    probabilities.dispose();
    labels.dispose();
  }
}

export class OrtSegmenter implements Segmenter {
  readonly info: ModelInfo;
  readonly executionProvider: string;
  readonly fallbackReason?: string;
  private readonly session: InferenceSession;
  private readonly TensorOf: TensorClass;
  private readonly maxBatch: number;
  private readonly maxPoints: number;
  private readonly model?: string;
  /** A session takes one run at a time (the web one refuses overlapping runs); concurrent calls queue here. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(setup: OrtSegmenterSetup) {
    this.session = setup.session;
    this.TensorOf = setup.Tensor;
    this.info = setup.info;
    this.executionProvider = setup.executionProvider;
    if (setup.fallbackReason !== undefined) this.fallbackReason = setup.fallbackReason;
    this.maxBatch = setup.maxBatch;
    this.maxPoints = setup.maxPoints ?? DEFAULT_MAX_POINTS;
    checkMaxPoints(this.maxPoints);
    if (setup.model !== undefined) this.model = setup.model;
  }

  async segment(xyz: Float32Array): Promise<SegmentResult> {
    return (await this.segmentMany([xyz], { maxBatch: 1 }))[0]!;
  }

  async segmentMany(clouds: Float32Array[], options: SegmentManyOptions = {}): Promise<SegmentResult[]> {
    if (this.disposed) throw disposedError(this.model);
    const sizes = checkClouds(clouds, this.maxPoints);
    const results = new Array<SegmentResult>(clouds.length);
    for (const batch of planBatches(sizes, options.maxBatch ?? this.maxBatch, this.maxPoints)) {
      const out = await this.enqueue(() =>
        this.runBatch(
          batch.map((i) => clouds[i]!),
          sizes[batch[0]!]!,
        ),
      );
      batch.forEach((cloudIndex, j) => {
        results[cloudIndex] = out[j]!;
      });
    }
    return results;
  }

  /** Releases the session once the runs already asked for are done; later calls to segment are refused. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.enqueue(() => this.session.release());
  }

  [ASYNC_DISPOSE](): Promise<void> {
    return this.dispose();
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Any error of the run (ONNX Runtime out of memory, a buffer JavaScript cannot allocate) as RUN_FAILED naming the
   * model; callers that know the cloud's file put it in front.
   */
  private async runBatch(clouds: Float32Array[], numPoints: number): Promise<SegmentResult[]> {
    try {
      return await this.runBatchUnchecked(clouds, numPoints);
    } catch (e) {
      if (e instanceof PnetError) throw e;
      const what = clouds.length === 1 ? 'a cloud' : `a batch of ${clouds.length} clouds`;
      const message = firstLine(e);
      throw new PnetError(
        'RUN_FAILED',
        `onnxruntime failed on ${what} of ${numPoints} points (model ${this.model ?? 'in memory'}): ${message}`,
        {
          file: this.model,
          cause: e,
          ...(/allocat|memory/i.test(message) && {
            remedy:
              'subsample the cloud, or give the process more memory; clouds over --max-points ' +
              `(now ${this.maxPoints}; maxPoints of createSegmenter) are refused before they run`,
          }),
        },
      );
    }
  }

  private async runBatchUnchecked(clouds: Float32Array[], numPoints: number): Promise<SegmentResult[]> {
    const input = new this.TensorOf('float32', packModelInput(clouds, this.info.normalization), [
      clouds.length,
      numPoints,
      3,
    ]);
    const started = performance.now();
    let out: InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run({ [TENSOR_NAMES.points]: input });
    } finally {
      input.dispose();
    }
    const ms = performance.now() - started;
    const probabilities = out[TENSOR_NAMES.probabilities]!;
    const labels = out[TENSOR_NAMES.labels]!;
    let per: ReturnType<typeof unpackOutputs>;
    try {
      per = unpackOutputs(
        probabilities.data as Float32Array,
        labels.data as BigInt64Array | Int32Array,
        clouds.length,
        numPoints,
        this.info.classes.length,
      );
    } finally {
      probabilities.dispose();
      labels.dispose();
    }
    return per.map((p, j) => ({
      labels: p.labels,
      probabilities: p.probabilities,
      numPoints,
      executionProvider: this.executionProvider,
      ms: ms / clouds.length,
      ...extentWarningOf(clouds[j]!, p.probabilities),
      classes: this.info.classes,
      colors: this.info.colors,
    }));
  }
}
