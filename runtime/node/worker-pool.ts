/**
 * A pool of worker threads, each with its own onnxruntime-node session, that read and parse cloud files and run
 * groups of clouds in parallel. ORT's intra-op threads are split among the workers so that together they use each
 * core once. Work is queued here and handed to whichever worker is free; a worker that stops unexpectedly fails
 * only the request it held, and the others carry on.
 */
import { checkPositiveInt } from '../../src/core/validate.ts';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { PnetError } from '../../src/core/errors.ts';
import type { ModelInfo, SegmentManyOptions, SegmentResult } from '../segmenter.ts';
import { checkClouds } from '../common/cloud-check.ts';
import { planBatches } from '../common/batching.ts';
import { DEFAULT_MAX_POINTS } from '../common/cloud-check.ts';
import { checkMaxPoints } from '../common/ort-segmenter.ts';
import {
  DEFAULT_MAX_BATCH,
  loadNodeModel,
  providersToTry,
  type NodeModelSource,
  type NodeSegmenterOptions,
} from './node-segmenter.ts';
import type { ParallelSegmenter } from './parallel-segmenter.ts';
import { ASYNC_DISPOSE, disposedError } from '../common/disposal.ts';
import { deserializeError, transferables } from '../../src/core/error-wire.ts';
import { ownBytes, type FromWorker, type ToWorker, type WorkerSetup } from './worker-protocol.ts';

/**
 * Worker entry: from the sources, a plain .mjs that registers tsx, since worker threads do not inherit the parent's
 * module hooks; from the build, the compiled worker itself.
 */
export const SEGMENT_WORKER_ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? './segment-worker-entry.mjs' : './segment-worker.js',
  import.meta.url,
);

/** Windows of files read and run at once when labelling files (ParallelSegmenter.lanes): every worker kept busy. */
const POOL_WINDOWS_IN_FLIGHT = 3;

/** How long `close` waits for a worker to release its session before stopping it. */
const CLOSE_GRACE_MS = 5000;

export interface SegmenterPoolOptions
  extends Pick<
    NodeSegmenterOptions,
    'ep' | 'fallback' | 'executionProviders' | 'sessionOptions' | 'maxBatch' | 'maxPoints'
  > {
  /** Worker threads (each loads the model once). */
  workers: number;
  /** Intra-op threads per worker; default: the cores split evenly among the workers (at least 1). */
  threads?: number;
  /** Module each worker starts from (default SEGMENT_WORKER_ENTRY); it must speak worker-protocol.ts. */
  workerEntry?: URL;
}

/** ORT intra-op threads per worker so that workers × threads ≤ cores (at least 1 each). */
export function threadsPerWorker(workers: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / workers));
}

type Request = Exclude<ToWorker, { type: 'close' }>;
type Reply = Extract<FromWorker, { id: number }>;

interface Task {
  request: Request;
  /** Buffers that move to the worker with the request (copies made for it, which nobody else holds). */
  transfer?: ArrayBuffer[];
  resolve(reply: Reply): void;
  reject(e: unknown): void;
}

interface Slot {
  index: number;
  worker: Worker;
  alive: boolean;
  task?: Task;
  /** Uncaught error that stopped the worker, if any. */
  crash?: string;
  /** Called when the running request's answer arrives after close(). */
  idle?: () => void;
}

type Ready = Extract<FromWorker, { type: 'ready' }>;

/** A Segmenter whose batches run in parallel, one per free worker; it also reads cloud files on the workers. */
export class SegmenterPool implements ParallelSegmenter {
  readonly lanes = POOL_WINDOWS_IN_FLIGHT;
  private nextId = 0;
  private stopped?: { reason: unknown };
  private closing?: Promise<void>;
  /** Runs of clouds go first: they free memory and produce output; reading ahead fills the gaps. */
  private readonly runs: Task[] = [];
  private readonly reads: Task[] = [];

  private constructor(
    private readonly slots: Slot[],
    readonly info: ModelInfo,
    readonly executionProvider: string,
    /** ORT intra-op threads of each worker. */
    readonly threads: number,
    private readonly maxBatch: number,
    private readonly maxPoints: number,
    readonly fallbackReason?: string,
  ) {
    for (const slot of slots) this.watch(slot);
  }

  /**
   * Reads the model once, starts the workers with its bytes and waits until every one has loaded it; the first
   * failure is thrown.
   */
  static async create(model: NodeModelSource, options: SegmenterPoolOptions): Promise<SegmenterPool> {
    // `workers` is required: a missing count reads as NaN, not as "left out".
    checkPositiveInt('workers', options.workers ?? Number.NaN);
    checkPositiveInt('threads', options.threads);
    if (options.maxPoints !== undefined) checkMaxPoints(options.maxPoints);
    const threads = options.threads ?? threadsPerWorker(options.workers);
    const maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
    const setup: WorkerSetup = {
      model: await loadNodeModel(model),
      options: {
        executionProviders: providersToTry(options),
        sessionOptions: options.sessionOptions,
        threads,
        maxPoints,
      },
    };
    const entry = options.workerEntry ?? SEGMENT_WORKER_ENTRY;
    const slots = Array.from({ length: options.workers }, (_, index): Slot => {
      const slot: Slot = { index, worker: new Worker(entry, { workerData: setup }), alive: true };
      // Watched from the start: a worker may stop while the others are still loading.
      slot.worker.on('error', (e) => {
        slot.crash = e.message;
      });
      slot.worker.once('exit', () => {
        slot.alive = false;
      });
      return slot;
    });
    const started = await Promise.allSettled(slots.map(waitUntilReady));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(slots.map((s) => s.worker.terminate()));
      throw failed.reason;
    }
    const first = (started[0] as PromiseFulfilledResult<Ready>).value;
    // The same default as one session's, so results match it byte for byte.
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    return new SegmenterPool(
      slots,
      first.info,
      first.executionProvider,
      threads,
      maxBatch,
      maxPoints,
      first.fallbackReason,
    );
  }

  /** Worker threads started (some may have stopped since). */
  get size(): number {
    return this.slots.length;
  }

  /**
   * Reads and parses cloud files on a worker: points, or the error that names the file. Rejects only when the
   * worker stops unexpectedly, or the pool is stopped.
   */
  async readClouds(files: string[]): Promise<Array<Float32Array | Error>> {
    const reply = await this.submit(this.reads, { type: 'read', id: this.nextId++, files });
    if (reply.type !== 'read') throw new Error(`worker answered a read with "${reply.type}"`);
    return reply.clouds.map((c) => ('points' in c ? c.points : deserializeError(c.error)));
  }

  /**
   * Runs clouds as one group on a worker: one batched run (clouds of equal size), cloud by cloud if that fails. The
   * clouds are copied to the worker, so the caller keeps them; only each cloud's own bytes go (a subarray is cut
   * out of its buffer first, and that copy moves rather than being copied again). Rejects as readClouds does.
   */
  async segmentGroup(clouds: Float32Array[]): Promise<Array<SegmentResult | Error>> {
    const posted = clouds.map(ownBytes);
    const copies = posted.filter((c, i) => c !== clouds[i]);
    const reply = await this.submit(
      this.runs,
      { type: 'segment', id: this.nextId++, clouds: posted },
      transferables(copies),
    );
    if (reply.type !== 'segment') throw new Error(`worker answered a run with "${reply.type}"`);
    return reply.results.map((r) => ('result' in r ? r.result : deserializeError(r.error)));
  }

  async segment(xyz: Float32Array): Promise<SegmentResult> {
    return (await this.segmentMany([xyz], { maxBatch: 1 }))[0]!;
  }

  /** Batches as one session would, each batch on whichever worker is free; the first cloud that fails fails the call. */
  async segmentMany(clouds: Float32Array[], options: SegmentManyOptions = {}): Promise<SegmentResult[]> {
    const sizes = checkClouds(clouds, this.maxPoints);
    const results = new Array<SegmentResult>(clouds.length);
    await Promise.all(
      planBatches(sizes, options.maxBatch ?? this.maxBatch, this.maxPoints).map(async (batch) => {
        const out = await this.segmentGroup(batch.map((i) => clouds[i]!));
        batch.forEach((cloudIndex, j) => {
          const r = out[j]!;
          if (r instanceof Error) throw r;
          results[cloudIndex] = r;
        });
      }),
    );
    return results;
  }

  dispose(): Promise<void> {
    return this.close();
  }

  [ASYNC_DISPOSE](): Promise<void> {
    return this.close();
  }

  private submit(queue: Task[], request: Request, transfer?: ArrayBuffer[]): Promise<Reply> {
    if (this.stopped) return Promise.reject(this.stopped.reason);
    return new Promise<Reply>((resolve, reject) => {
      queue.push({ request, ...(transfer && transfer.length > 0 && { transfer }), resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.alive || slot.task) continue;
      const task = this.runs.shift() ?? this.reads.shift();
      if (!task) return;
      slot.task = task;
      slot.worker.postMessage(task.request, task.transfer);
    }
    if (!this.slots.some((s) => s.alive)) {
      const error = new PnetError('PARTIAL_FAILURE', 'every worker thread has stopped');
      for (const task of [...this.runs.splice(0), ...this.reads.splice(0)]) task.reject(error);
    }
  }

  private watch(slot: Slot): void {
    slot.worker.on('message', (m: FromWorker) => {
      if (!('id' in m) || slot.task?.request.id !== m.id) return;
      const task = slot.task;
      slot.task = undefined;
      task.resolve(m);
      slot.idle?.();
      if (!this.stopped) this.dispatch();
    });
    slot.worker.on('messageerror', (e) => {
      const task = slot.task;
      slot.task = undefined;
      task?.reject(
        new PnetError(
          'PARTIAL_FAILURE',
          `the answer of worker thread ${slot.index + 1} could not be read (${e.message})`,
        ),
      );
      this.dispatch();
    });
    slot.worker.on('exit', (code) => {
      if (this.stopped) return;
      const task = slot.task;
      slot.task = undefined;
      task?.reject(
        new PnetError(
          'PARTIAL_FAILURE',
          `worker thread ${slot.index + 1} stopped unexpectedly (exit code ${code}${slot.crash ? `: ${slot.crash}` : ''})`,
        ),
      );
      this.dispatch();
    });
  }

  /**
   * Refuses new requests and rejects queued and running ones with `reason` (results still to come are dropped);
   * waits for the running ones to end, since stopping a worker in the middle of an ORT run takes the whole process
   * down; then lets each worker release its session and exit (stopping any that has not within a few seconds).
   * Used both when the work is done and on Ctrl-C; calling it again returns the same promise.
   */
  close(reason: unknown = disposedError()): Promise<void> {
    if (this.closing) return this.closing;
    this.stopped = { reason };
    for (const task of [...this.runs.splice(0), ...this.reads.splice(0)]) task.reject(reason);
    // A running request keeps its slot until its answer arrives, so the worker is known to be idle.
    for (const slot of this.slots) slot.task?.reject(reason);
    this.closing = Promise.all(
      this.slots.map(async (slot) => {
        if (!slot.alive) return;
        const exited = once(slot.worker, 'exit');
        if (slot.task) await Promise.race([new Promise<void>((resolve) => (slot.idle = resolve)), exited]);
        if (!slot.alive) return;
        slot.worker.postMessage({ type: 'close' } satisfies ToWorker);
        const timer = setTimeout(() => void slot.worker.terminate(), CLOSE_GRACE_MS);
        await exited.catch(() => undefined);
        clearTimeout(timer);
      }),
    ).then(() => undefined);
    return this.closing;
  }
}

/** Resolves with the worker's `ready` message; rejects with its load error, or if it stops before that. */
function waitUntilReady(slot: Slot): Promise<Ready> {
  const { worker } = slot;
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWorker): void => {
      if (m.type === 'ready') {
        cleanup();
        resolve(m);
      } else if (m.type === 'failed') {
        cleanup();
        reject(deserializeError(m.error));
      }
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(
        new PnetError(
          'BAD_MODEL',
          `a worker thread stopped while loading the model (exit code ${code}${slot.crash ? `: ${slot.crash}` : ''})`,
        ),
      );
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
  });
}

/**
 * Starts a pool of `options.workers` segmenters for one model (a path, a `file:` or `http(s):` URL, or the bytes, as
 * createSegmenter takes); see SegmenterPool.
 */
export function createSegmenterPool(model: NodeModelSource, options: SegmenterPoolOptions): Promise<SegmenterPool> {
  return SegmenterPool.create(model, options);
}
