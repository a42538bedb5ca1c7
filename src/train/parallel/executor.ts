/**
 * Step executors: what the training loop and evaluation call for a training step and for batched predictions.
 * `localExecutor` runs them in this thread (today's step.ts); `startParallelExecutor` splits every batch across this
 * thread (rank 0, whose model and optimizer therefore stay current for checkpoints) and worker threads, each with
 * its own TF.js backend and copy of the weights, reducing batch-norm statistics and gradients in shared memory.
 */
import type { BackendName } from '../../backend/index.ts';
import type { Batch } from '../../data/types.ts';
import { PnetError } from '../../core/errors.ts';
import type { PointNet } from '../../model/pointnet.ts';
import { paramSpecs } from '../../model/spec.ts';
import { deserializeError } from '../../core/error-wire.ts';
import type { Adam } from '../adam.ts';
import { PLAIN_LOSS, type LossOptions } from '../loss-options.ts';
import { predictBatch, type StepResult } from '../step.ts';
import { localExecutor, type StepExecutor } from '../step-executor.ts';
import type { FromStepWorker, StepWorkerSetup, ToStepWorker } from './protocol.ts';
import type { StepWorkerLink, StepWorkerSpawner } from './transport.ts';
import { gradientLength, trainShard } from './shard-step.ts';
import { NonFiniteStep } from '../divergence.ts';
import {
  abortReductions,
  allocateReduceBuffers,
  resetReductions,
  SharedReducer,
  type SharedReduceBuffers,
} from './shared-reduce.ts';

/** Consecutive clouds of a batch in `parts` shards whose sizes differ by at most one (the larger ones first). */
export function splitBatch(batch: Batch, parts: number): Batch[] {
  const per = batch.numPoints;
  const shards: Batch[] = [];
  let start = 0;
  for (let k = 0; k < parts; k++) {
    const size = Math.floor(batch.size / parts) + (k < batch.size % parts ? 1 : 0);
    shards.push({
      size,
      numPoints: per,
      points: batch.points.slice(start * per * 3, (start + size) * per * 3),
      labels: batch.labels.slice(start * per, (start + size) * per),
    });
    start += size;
  }
  return shards;
}

function concatScores(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface Pending {
  resolve(m: FromStepWorker): void;
  reject(e: unknown): void;
}

class StepWorker {
  private readonly pending = new Map<number, Pending>();
  private stopped?: Error;

  constructor(
    readonly link: StepWorkerLink,
    readonly rank: number,
  ) {
    link.onMessage((m) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.type === 'error') p?.reject(deserializeError(m.error));
      else p?.resolve(m);
    });
    link.onFailure((what) => this.fail(new PnetError('PARTIAL_FAILURE', `training worker ${rank} ${what}`)));
  }

  request(message: Exclude<ToStepWorker, { type: 'close' }>): Promise<FromStepWorker> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      this.link.post(message);
    });
  }

  private fail(e: Error): void {
    this.stopped ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = new Error('the training worker is closed');
    await this.link.close();
  }
}

function waitReady(link: StepWorkerLink): Promise<void> {
  return new Promise((resolve, reject) => {
    const offMessage = link.onMessage((m) => {
      if (m.type === 'ready') done(resolve);
      else if (m.type === 'failed') done(() => reject(deserializeError(m.error)));
    });
    const offFailure = link.onFailure((what) =>
      done(() => reject(new PnetError('PARTIAL_FAILURE', `a training worker ${what} while starting`))),
    );
    const done = (then: () => void) => {
      offMessage();
      offFailure();
      then();
    };
  });
}

export interface ParallelOptions {
  /** Threads in all, this one included (≥ 2). */
  workers: number;
  backend: BackendName;
  /** The training process's model (rank 0); the workers start from its weights. */
  model: PointNet;
  /** Absent: the executor only predicts. */
  optimizer?: Adam;
  /** The run's loss; plain cross-entropy when absent. */
  loss?: LossOptions;
  /** Starts each of the other workers: node-transport.ts's in Node, browser-transport.ts's in a page. */
  spawn: StepWorkerSpawner;
}

/** Starts `workers − 1` workers holding copies of the model (and optimizer) and waits until all are ready. */
export async function startParallelExecutor(options: ParallelOptions): Promise<StepExecutor> {
  const { model, optimizer, backend } = options;
  const loss = options.loss ?? PLAIN_LOSS;
  const count = options.workers;
  if (!Number.isInteger(count) || count < 2)
    throw new Error(`a parallel executor needs at least 2 workers, got ${count}`);
  const widest = Math.max(
    ...paramSpecs(model.architecture)
      .filter((s) => s.role === 'gamma')
      .map((s) => s.shape[0]!),
  );
  const buffers: SharedReduceBuffers = allocateReduceBuffers(
    count,
    2 * widest + 1,
    optimizer ? gradientLength(optimizer) : 1,
  );
  const weights = [...model.getWeights().values()];
  // Adam's moments move into shared memory, where every worker updates its share of them; the next weights too.
  const shared = optimizer
    ? {
        m: new SharedArrayBuffer(optimizer.size * 4),
        v: new SharedArrayBuffer(optimizer.size * 4),
        nextWeights: new SharedArrayBuffer(optimizer.size * 4),
        step: optimizer.step,
      }
    : undefined;
  if (optimizer && shared)
    optimizer.useMoments({ m: new Float32Array(shared.m), v: new Float32Array(shared.v) }, 'copy');
  const nextWeights = shared ? new Float32Array(shared.nextWeights) : undefined;
  const workers = Array.from({ length: count - 1 }, (_, i) => {
    const setup: StepWorkerSetup = {
      backend,
      preset: model.architecture.preset,
      numClasses: model.architecture.numClasses,
      weights,
      optimizer: shared,
      loss,
      buffers,
      rank: i + 1,
    };
    return options.spawn(setup);
  });
  const started = await Promise.allSettled(workers.map(waitReady));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw failed.reason;
  }
  const threads = workers.map((w, i) => new StepWorker(w, i + 1));
  let nextId = 0;

  return {
    workers: count,
    async trainStep(batch, learningRate) {
      if (!optimizer || !nextWeights) throw new Error('this executor was created to predict only');
      if (batch.size < count) {
        // Every worker must take part in every update, or its copy of the weights would fall behind.
        throw new PnetError(
          'BAD_ARGUMENT',
          `a batch of ${batch.size} clouds cannot be split across ${count} training workers`,
          {
            remedy: `use --workers ${batch.size} or fewer, or a larger --batch-size`,
          },
        );
      }
      const shards = splitBatch(batch, count);
      resetReductions(buffers);
      const replies = threads.map((t) =>
        t.request({
          type: 'train',
          id: nextId++,
          shard: shards[t.rank]!,
          batchClouds: batch.size,
          learningRate,
          workers: count,
        }),
      );
      let own: StepResult;
      try {
        own = trainShard(
          model,
          optimizer,
          shards[0]!,
          batch.size,
          learningRate,
          new SharedReducer(buffers, 0, count),
          nextWeights,
          loss,
        );
      } catch (e) {
        // A non-finite step stops every worker at the same point by itself; anything else may leave them waiting.
        if (!(e instanceof NonFiniteStep)) abortReductions(buffers);
        const settled = await Promise.allSettled(replies);
        // This thread stopped because another worker failed: that worker's error says why.
        const cause = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        throw cause && e instanceof PnetError && e.code === 'PARTIAL_FAILURE' ? cause.reason : e;
      }
      const results = await Promise.all(replies);
      const parts = [own.scores, ...results.map((r) => (r as Extract<FromStepWorker, { type: 'trained' }>).scores)];
      return { loss: own.loss, crossEntropy: own.crossEntropy, scores: concatScores(parts) };
    },
    async predictBatch(batch) {
      const used = Math.min(count, batch.size);
      const shards = splitBatch(batch, used);
      const replies = threads
        .slice(0, used - 1)
        .map((t) => t.request({ type: 'predict', id: nextId++, shard: shards[t.rank]! }));
      const own = predictBatch(model, shards[0]!);
      const results = [own, ...((await Promise.all(replies)) as Array<Extract<FromStepWorker, { type: 'predicted' }>>)];
      const crossEntropy = results.reduce((s, r, k) => s + r.crossEntropy * shards[k]!.size, 0) / batch.size;
      return { crossEntropy, scores: concatScores(results.map((r) => r.scores)) };
    },
    async close() {
      await Promise.all(threads.map((t) => t.close()));
    },
  };
}

/** This thread alone for one worker, else worker threads beside it. */
export function createStepExecutor(options: ParallelOptions): Promise<StepExecutor> {
  if (options.workers <= 1) return Promise.resolve(localExecutor(options.model, options.optimizer, options.loss));
  return startParallelExecutor(options);
}
