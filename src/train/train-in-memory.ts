/**
 * Training with no file system: a loaded Dataset in, checkpoint bytes out. This is what a page runs (`pnet/web`'s
 * `trainModel`), on whatever TF.js backend the caller set: the same story as train() (config, data, restore, the
 * epoch loop) with a store that keeps each checkpoint's bytes instead of a run folder. One thread by default; with
 * `workers` and `spawnWorker`, each batch is split across this thread (rank 0) and that many − 1 step workers.
 */
import * as tf from '@tensorflow/tfjs';
import { decodeCheckpoint, encodeCheckpoint, modelWeights } from '../checkpoint/format.ts';
import { PnetError } from '../core/errors.ts';
import type { Dataset } from '../data/types.ts';
import type { PresetSpec } from '../model/spec.ts';
import type { TrainRecipe, TrainStepProgress } from './api.ts';
import { runEpochs, type RunStore } from './epoch-loop.ts';
import { validateConfig, withDefaults, type TrainConfig } from './options.ts';
import type { EpochMetrics } from './run-dir.ts';
import { runCheckpoint } from './run-checkpoints.ts';
import { disposeRun, restoreRun, type TrainingRun } from './run-state.ts';
import { localExecutor, type StepExecutor } from './step-executor.ts';
import type { BackendName } from '../backend/names.ts';
import { startParallelExecutor } from './parallel/executor.ts';
import type { StepWorkerSpawner } from './parallel/transport.ts';
import { trainDataFrom } from './train-data.ts';
import { runLossOptions } from './loss.ts';
import type { LossOptions } from './loss-options.ts';

export interface InMemoryTrainOptions extends Omit<TrainRecipe, 'preset' | 'backend'> {
  /**
   * The clouds, as loadDatasetFromFiles (or loadDataset) gives them; the run trains on all of its categories, so load
   * it with `categories` to train on fewer (the class table comes from what was loaded).
   */
  dataset: Dataset;
  /** The network's widths (models/<name>.json); its `name` is recorded as the run's preset. */
  preset: PresetSpec;
  /** A checkpoint to start from (fine-tuning): its weights, with a fresh optimizer and schedule. */
  startFrom?: Uint8Array;
  /** After every optimizer step. */
  onStep?: (step: TrainStepProgress) => void;
  /** After every epoch: its record, as history.json gets it. */
  onEpoch?: (record: EpochMetrics) => void;
  /** Stops after the current step; the result then holds the checkpoints kept so far and the state at the stop. */
  signal?: AbortSignal;
  /** Status lines (data summary, epoch summaries). */
  log?: (line: string) => void;
  /**
   * Threads a batch is split across, this one included (default 1). More needs `spawnWorker`, and this thread then
   * waits at shared-memory barriers (Atomics.wait), which a page's main thread may not: run it in a Web Worker.
   */
  workers?: number;
  /** Starts the other workers (browser-transport.ts's spawner in a page, node-transport.ts's in Node). */
  spawnWorker?: StepWorkerSpawner;
}

export interface InMemoryTrainResult {
  config: TrainConfig;
  /** The best epoch's checkpoint on val (the last epoch's when nothing is held out), in the checkpoint file format. */
  best: Uint8Array;
  /** The run as it stopped: what `pnet train --resume` continues from. */
  last: Uint8Array;
  /** 1-based epoch `best` holds. */
  bestEpoch: number;
  history: EpochMetrics[];
  /** The ids of the clouds held out for val (none with `split: 'trainval'`), to score or show them. */
  valIds: string[];
  /** True when `signal` stopped it before its last epoch. */
  interrupted: boolean;
}

/** Keeps the last (and best) checkpoint's bytes. */
class MemoryStore implements RunStore {
  last: Uint8Array | undefined;
  best: Uint8Array | undefined;

  lastGood(): string | undefined {
    return this.last ? "the last epoch's checkpoint" : undefined;
  }

  async saveEpoch(run: TrainingRun, isBest: boolean): Promise<void> {
    this.last = await encodeCheckpoint(runCheckpoint(run));
    if (isBest) this.best = this.last;
  }
}

export async function trainInMemory(options: InMemoryTrainOptions): Promise<InMemoryTrainResult> {
  const { dataset, preset, startFrom, signal, onStep, onEpoch } = options;
  const log = options.log ?? (() => {});
  signal?.throwIfAborted();
  const config = validateConfig(
    withDefaults({
      ...recipeOf(options),
      preset: preset.name as TrainConfig['preset'],
      data: dataset.root,
      categories: dataset.categories,
      backend: 'auto',
    }),
  );
  const data = await trainDataFrom(dataset, config);
  log(data.summary);
  const run = restoreRun(config, preset, data.classes, data.split, undefined, log);
  const store = new MemoryStore();
  let executor: StepExecutor | undefined;
  try {
    if (startFrom) await loadStartWeights(run, startFrom);
    executor = await stepExecutor(options, run, runLossOptions(run.config, data, log));
    const completed = await runEpochs({
      run,
      data,
      executor: yieldingBetweenSteps(executor),
      store,
      options: { onStep, onEpoch },
      log,
      stopRequested: () => signal?.aborted ?? false,
    });
    const interrupted = !completed || (signal?.aborted ?? false);
    if (interrupted || !store.last) store.last = await encodeCheckpoint(runCheckpoint(run));
    const { state } = run;
    return {
      config,
      best: store.best ?? store.last,
      last: store.last,
      bestEpoch: store.best ? state.bestEpoch : state.epoch,
      history: state.history,
      valIds: data.valClouds.map((c) => c.id),
      interrupted,
    };
  } finally {
    await executor?.close();
    disposeRun(run);
  }
}

/** This thread alone, or split across step workers on the backend this thread runs (each with its own copy). */
async function stepExecutor(options: InMemoryTrainOptions, run: TrainingRun, loss: LossOptions): Promise<StepExecutor> {
  const workers = options.workers ?? 1;
  if (workers <= 1) return localExecutor(run.model, run.optimizer, loss);
  if (!options.spawnWorker)
    throw new PnetError('BAD_ARGUMENT', `training on ${workers} workers needs a way to start them (spawnWorker)`);
  return startParallelExecutor({
    workers,
    backend: tf.getBackend() as BackendName,
    model: run.model,
    optimizer: run.optimizer,
    loss,
    spawn: options.spawnWorker,
  });
}

/**
 * A page's main thread runs the steps: handing it back before each one lets the page draw what onStep changed and
 * take a click on Stop, instead of freezing until training ends.
 */
function yieldingBetweenSteps(executor: StepExecutor): StepExecutor {
  const yieldToPage = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
  return {
    ...executor,
    trainStep: async (batch, lr) => {
      await yieldToPage();
      return executor.trainStep(batch, lr);
    },
    predictBatch: async (batch) => {
      await yieldToPage();
      return executor.predictBatch(batch);
    },
  };
}

/** The recipe fields of the options, without the data, callbacks and the preset's widths. */
function recipeOf(options: InMemoryTrainOptions): Partial<TrainConfig> {
  const { dataset, preset, startFrom, onStep, onEpoch, signal, log, workers, spawnWorker, ...recipe } = options;
  return recipe;
}

/** Fine-tuning starts from another run's weights: the same preset and classes, or the weights cannot fit. */
async function loadStartWeights(run: TrainingRun, bytes: Uint8Array): Promise<void> {
  const { meta, tensors } = await decodeCheckpoint(bytes, 'the checkpoint to start from');
  const classes = run.classes.names;
  if (meta.preset.name !== run.preset.name || meta.classes.names.join('\n') !== classes.join('\n')) {
    throw new PnetError(
      'BAD_CHECKPOINT',
      `the checkpoint to start from is preset ${meta.preset.name} with classes ${meta.classes.names.join(', ')}; ` +
        `this run is ${run.preset.name} with ${classes.join(', ')}`,
      { remedy: 'start from a checkpoint of the same preset and category, or from scratch' },
    );
  }
  run.model.setWeights(modelWeights(tensors));
}
