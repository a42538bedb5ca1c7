/**
 * The training loop: data → batches → Adam steps with batch-norm statistics → per-epoch metrics on train and
 * val → run directory (history, curves, best/last checkpoints with optimizer and RNG state). `resume` continues
 * a run from last.ckpt; the caller's AbortSignal stops after the current step and saves last.ckpt first. One run
 * at a time holds a run directory (run-lock.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { selectBackend } from '../backend/index.ts';
import { checkWasmMemory } from './wasm-memory.ts';
import { modelWeights, readCheckpoint, writeCheckpoint, type CheckpointMeta } from '../checkpoint/format.ts';
import { loadDataset, makeBatches, prepareClouds, splitTrainVal } from '../data/index.ts';
import type { ClassTable, PreparedCloud } from '../data/types.ts';
import { Rng } from '../core/rng.ts';
import { PnetError } from '../core/errors.ts';
import { PointNet } from '../model/pointnet.ts';
import { initialWeights, loadPreset, modelLayout, type PresetName, type WeightMap } from '../model/spec.ts';
import { createProgress } from '../core/node/progress.ts';
import { PNET_VERSION } from '../core/node/version.ts';
import { writeFileAtomic } from '../core/node/atomic-write.ts';
import { Adam, ADAM_PREFIX } from './adam.ts';
import { SegmentationMetrics } from '../core/metrics.ts';
import { resolveWorkers, TRAIN_DEFAULTS, validateConfig, withDefaults, type TrainConfig } from './options.ts';
import { runPath, writeHistory, type EpochMetrics } from './run-dir.ts';
import { cosineRateAt, learningRateAt } from './schedule.ts';
import { createStepExecutor, type StepExecutor } from './parallel/executor.ts';
import { scoreClouds } from './score-clouds.ts';
import { guardStep, removeRunTemps, resumeCheckpoint } from './run-safety.ts';
import { lockRunDir } from './run-lock.ts';
import { checkResumeOptions, checkSameSplit, splitFingerprint, type SplitFingerprint } from './resume-rules.ts';
import { countSkippedClouds, formatSkippedClouds } from '../data/skipped-clouds.ts';
import type { TrainRequest, TrainResult } from './api.ts';

export { TRAIN_DEFAULTS, type TrainConfig } from './options.ts';
export type { EpochMetrics } from './run-dir.ts';
export type {
  NewRunOptions,
  ResumeRunOptions,
  TrainCallOptions,
  TrainRecipe,
  TrainRequest,
  TrainResult,
  TrainStepProgress,
} from './api.ts';

/** The wide form, `resume` decided at run time; `pnet` exports the union (NewRunOptions | ResumeRunOptions). */
export type TrainOptions = TrainRequest;

interface RunState {
  epoch: number;
  /** Batches of `epoch` already trained (a run stopped mid-epoch resumes after them). */
  batchInEpoch: number;
  bestMiou: number;
  bestEpoch: number;
  history: EpochMetrics[];
  /** The clouds of each side when the run started: a resume must find the same ones. */
  split?: SplitFingerprint;
}

/** What runs made before the recipe options existed did: resuming one keeps its schedule and sampling. */
const LEGACY_RECIPE: Partial<TrainConfig> = {
  resample: 'once',
  scaleRange: [1, 1],
  shift: 0,
  rotateUp: false,
  lrSchedule: 'step',
};

function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;
}

async function evaluateClouds(executor: StepExecutor, clouds: PreparedCloud[], classes: ClassTable, batchSize: number) {
  const metrics = new SegmentationMetrics(classes.names.length, classes.partsOf);
  const lossSum = await scoreClouds(executor, clouds, metrics, batchSize);
  return { loss: clouds.length ? lossSum / clouds.length : Number.NaN, ...metrics.summary() };
}

/** The run options among a call's options (not where to write, how to report, or how many threads). */
function givenRecipe(options: TrainOptions): Partial<TrainConfig> {
  const {
    out: _out,
    resume: _resume,
    progress: _progress,
    log: _log,
    signal: _signal,
    onStep: _onStep,
    onEpoch: _onEpoch,
    stopAfterSteps: _stop,
    workers: _workers,
    ...recipe
  } = options;
  return Object.fromEntries(Object.entries(recipe).filter(([, v]) => v !== undefined)) as Partial<TrainConfig>;
}

function weightTensors(weights: WeightMap) {
  return [...weights.values()];
}

/** The error a stop by `signal` ends in: last.ckpt (when any step ran) holds the state to resume from. */
function interruptedError(runDir: string, out: string): PnetError {
  return new PnetError('INTERRUPTED', `training interrupted; ${runPath(runDir, 'last')} holds the state`, {
    remedy: `continue with \`pnet train --resume ${out}\` (from code: train({ out, resume: true }))`,
  });
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const runDir = resolve(options.out);
  if (options.signal?.aborted)
    throw new PnetError('INTERRUPTED', 'training was cancelled before it started; nothing was written', {
      file: options.out,
    });
  const lock = await lockRunDir(runDir, options.out);
  try {
    return await trainLocked(options, runDir);
  } finally {
    await lock.release();
  }
}

async function trainLocked(options: TrainOptions, runDir: string): Promise<TrainResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let config: TrainConfig;
  let resumed:
    | { meta: CheckpointMeta; tensors: Map<string, { name: string; shape: number[]; data: Float32Array }> }
    | undefined;
  if (options.resume) {
    const ckptPath = resumeCheckpoint(runDir);
    if (!existsSync(ckptPath)) {
      throw new PnetError('NOT_FOUND', 'no last.ckpt to resume from', {
        file: ckptPath,
        remedy: 'start a new run with --data and --category',
      });
    }
    if (ckptPath !== runPath(runDir, 'last'))
      log(`no last.ckpt (the run stopped between its checkpoint writes); resuming from ${ckptPath}`);
    const ckpt = await readCheckpoint(ckptPath);
    resumed = { meta: ckpt.meta, tensors: new Map(ckpt.tensors.map((t) => [t.name, t])) };
    const saved = ckpt.meta.config as unknown as TrainConfig;
    // Options added to pnet after the run started take the value that reproduces the old run where one exists
    // (LEGACY_RECIPE), else their default.
    const savedRecipe = { ...TRAIN_DEFAULTS, ...LEGACY_RECIPE, ...saved };
    const { data, epochs, backend, ...recipe } = givenRecipe(options);
    checkResumeOptions(savedRecipe, recipe, options.out);
    config = validateConfig({
      ...savedRecipe,
      // A moved dataset may be pointed at; the split check below proves it holds the same clouds.
      data: data === undefined ? saved.data : resolve(data),
      epochs: epochs ?? saved.epochs,
      backend: backend ?? saved.backend,
    });
    if (config.data !== saved.data) log(`data: reading ${config.data} (the run started on ${saved.data})`);
  } else {
    if (!options.data)
      throw new PnetError('BAD_ARGUMENT', 'a new run needs its dataset: --data DIR (from code: the `data` option)');
    const user = givenRecipe(options);
    config = validateConfig(
      withDefaults({ ...user, data: resolve(options.data), categories: options.categories ?? [] }),
    );
    if (existsSync(runPath(runDir, 'last')) || existsSync(runPath(runDir, 'best'))) {
      throw new PnetError('BAD_ARGUMENT', 'this run directory already holds a run', {
        file: runDir,
        remedy: `continue it with \`pnet train --resume ${options.out}\`, or choose another --out`,
      });
    }
  }

  const staleTemps = await removeRunTemps(runDir);
  if (staleTemps.length > 0) log(`removed ${staleTemps.length} temp file(s) a killed run left in ${runDir}`);

  const backend = await selectBackend(config.backend);
  log(`backend: ${backend.name} (${backend.reason})`);
  const workers = resolveWorkers(options.workers, backend.name, config.batchSize);
  // Each worker holds its share of the batch in its own wasm heap.
  if (backend.name === 'wasm') checkWasmMemory(loadPreset(config.preset), config.batchSize, config.points, workers);

  const dataset = await loadDataset(config.data, { categories: config.categories, progress: options.progress ?? true });
  let clouds = dataset.clouds;
  if (config.maxClouds > 0) clouds = clouds.slice(0, config.maxClouds);
  const prepared = prepareClouds(clouds, { numPoints: config.points, seed: config.seed, short: config.shortClouds });
  const { train: trainClouds, val: valClouds } = splitTrainVal(dataset, prepared, {
    valFraction: config.valFraction,
    seed: config.seed,
    trainOn: config.split,
  });
  const splitNow = splitFingerprint(trainClouds, valClouds);
  if (resumed) checkSameSplit((resumed.meta.state as Partial<RunState>).split, splitNow, config.data);
  const trainIds = new Set(trainClouds.map((c) => c.id));
  const trainSources = clouds.filter((c) => c.labels && trainIds.has(c.id));
  // Fresh points each epoch: the same clouds in the same order (short ones are skipped the same way), new samples.
  const trainCloudsOf = (epoch: number): PreparedCloud[] =>
    config.resample === 'epoch' && epoch > 0
      ? prepareClouds(trainSources, {
          numPoints: config.points,
          seed: epochSeed(config.seed ^ 0x3c6ef372, epoch),
          short: config.shortClouds,
        })
      : trainClouds;
  const skipped = formatSkippedClouds(countSkippedClouds(clouds, config.points, config.shortClouds), config.points);
  if (trainClouds.length < 2) {
    throw new PnetError(
      'BAD_INPUT',
      `only ${trainClouds.length} labelled training cloud(s) in ${config.categories.join(', ')}; need at least 2${skipped}`,
      {
        file: config.data,
        remedy: 'check the --category name (`pnet data check`) or raise --max-clouds',
      },
    );
  }
  const classes = dataset.classes;
  const sides =
    config.split === 'trainval'
      ? `${trainClouds.length} train + val clouds (no val: the model is the last epoch)`
      : `${trainClouds.length} train / ${valClouds.length} val clouds`;
  log(
    `data: ${sides} of ${config.categories.join(', ')}, ${config.points} points, ${classes.names.length} classes${skipped}`,
  );

  const preset = loadPreset(config.preset as PresetName);
  const layout = modelLayout(preset, classes.names.length);
  const model = PointNet.create(
    layout,
    resumed ? modelWeights(resumed.tensors.values()) : initialWeights(layout, config.seed),
  );
  const optimizer = new Adam(model.trainableParams());
  const state: RunState = { epoch: 0, batchInEpoch: 0, bestMiou: -1, bestEpoch: -1, history: [], split: splitNow };
  if (resumed) {
    const s = resumed.meta.state as unknown as RunState;
    Object.assign(state, {
      epoch: s.epoch,
      batchInEpoch: s.batchInEpoch,
      bestMiou: s.bestMiou,
      bestEpoch: s.bestEpoch,
      history: s.history ?? [],
    });
    optimizer.setState(resumed.tensors, resumed.meta.step);
    if (state.epoch >= config.epochs)
      log(`the run already has ${state.epoch} epochs; nothing to train (raise --epochs to continue)`);
    else
      log(
        `resuming at epoch ${state.epoch + 1}${state.batchInEpoch ? `, batch ${state.batchInEpoch + 1}` : ''} (step ${optimizer.step})`,
      );
  }
  // A resume rewrites it too: config.json says what the run now is (its epoch count, where its data lies).
  await writeFileAtomic(runPath(runDir, 'config'), JSON.stringify(config, null, 2) + '\n');

  const executor = await createStepExecutor({ workers, backend: backend.name, model, optimizer });
  if (workers > 1) log(`workers: ${workers} threads, ${Math.ceil(config.batchSize / workers)} clouds each per step`);

  const checkpointMeta = (metrics: Record<string, number>): CheckpointMeta => ({
    pnetVersion: PNET_VERSION,
    preset,
    classes: { names: classes.names, colors: classes.colors },
    category: config.categories,
    numPoints: config.points,
    normalization: 'unit-sphere',
    epoch: state.epoch,
    step: optimizer.step,
    config: config as unknown as Record<string, unknown>,
    metrics,
    state: { ...state, seed: config.seed } as unknown as Record<string, unknown>,
  });
  const saveLast = async (metrics: Record<string, number>) =>
    writeCheckpoint(runPath(runDir, 'last'), {
      meta: checkpointMeta(metrics),
      tensors: [...weightTensors(model.getWeights()), ...optimizer.getState()],
    });

  // The caller's signal (the CLI wires Ctrl-C and SIGTERM to it) stops after the current step.
  let interrupted = options.signal?.aborted ?? false;
  const onAbort = () => {
    interrupted = true;
  };
  options.signal?.addEventListener('abort', onAbort);
  let stepsThisCall = 0;
  const lastMetrics = (): Record<string, number> => {
    const h = state.history.at(-1);
    if (!h) return {};
    const figures = {
      val_miou: h.val_miou,
      val_accuracy: h.val_accuracy,
      train_loss: h.train_loss,
      val_loss: h.val_loss,
    };
    // A run with no val has no val figures: leave them out rather than carry NaN into the exported metadata.
    return Object.fromEntries(Object.entries(figures).filter(([, v]) => Number.isFinite(v)));
  };

  try {
    while (state.epoch < config.epochs) {
      const lr =
        config.lrSchedule === 'cosine'
          ? cosineRateAt(state.epoch, config.learningRate, config.epochs)
          : learningRateAt(state.epoch, config.learningRate, config.lrDecayEvery, config.lrDecayFactor);
      const epochClouds = trainCloudsOf(state.epoch);
      const batches = makeBatches(epochClouds, {
        batchSize: config.batchSize,
        seed: epochSeed(config.seed, state.epoch),
        shuffle: true,
        jitter: config.jitter,
        augment: { scale: config.scaleRange, shift: config.shift, rotateUp: config.rotateUp },
        keepPartial: false,
      }).filter((b) => b.size >= 2);
      const trainMetrics = new SegmentationMetrics(classes.names.length, classes.partsOf);
      let lossSum = 0;
      let seen = 0;
      const started = performance.now();
      const bar =
        options.progress === false
          ? undefined
          : createProgress(
              `epoch ${state.epoch + 1}/${config.epochs}`,
              batches.length,
              '{bar} {value}/{total} steps | loss {loss} | {rate} clouds/s | ETA {eta_formatted}',
              // A log file gets the same as a line now and then instead of nothing until the epoch ends.
              { write: log },
            );
      bar?.update(state.batchInEpoch, { loss: '-', rate: '-' });
      // The categories of each batch's clouds (for mIoU): makeBatches shuffles with a fresh Rng of this seed.
      const order = new Rng(epochSeed(config.seed, state.epoch)).shuffle(trainClouds.map((_, i) => i));
      // Resumed mid-epoch, this epoch's train metrics cover only the batches from here on; the record says so.
      const firstMeasuredBatch = state.batchInEpoch;
      for (let b = state.batchInEpoch; b < batches.length; b++) {
        const batch = batches[b]!;
        const result = await guardStep(() => executor.trainStep(batch, lr), {
          epoch: state.epoch + 1,
          batch: b + 1,
          step: optimizer.step + 1,
          lastCheckpoint: runPath(runDir, 'last'),
        });
        const cats = order
          .slice(b * config.batchSize, b * config.batchSize + batch.size)
          .map((i) => trainClouds[i]!.category);
        trainMetrics.addScores(result.scores, batch.labels, cats, batch.numPoints);
        lossSum += result.loss * batch.size;
        seen += batch.size;
        state.batchInEpoch = b + 1;
        stepsThisCall++;
        const secs = (performance.now() - started) / 1000;
        bar?.update(b + 1, { loss: result.loss.toFixed(4), rate: (seen / secs).toFixed(2) });
        options.onStep?.({
          epoch: state.epoch + 1,
          epochs: config.epochs,
          batch: b + 1,
          batches: batches.length,
          step: optimizer.step,
          loss: result.loss,
          cloudsPerSecond: seen / secs,
        });
        if (interrupted || (options.stopAfterSteps !== undefined && stepsThisCall >= options.stopAfterSteps)) break;
      }
      bar?.stop();
      if (state.batchInEpoch < batches.length) {
        interrupted = true;
        break;
      }
      const seconds = (performance.now() - started) / 1000;
      const train = trainMetrics.summary();
      const valStarted = performance.now();
      const val = await evaluateClouds(executor, valClouds, classes, config.batchSize);
      const hasVal = valClouds.length > 0;
      const valSeconds = (performance.now() - valStarted) / 1000;
      const record: EpochMetrics = {
        epoch: state.epoch + 1,
        lr,
        train_loss: seen ? lossSum / seen : Number.NaN,
        train_accuracy: train.accuracy,
        train_miou: train.miou,
        val_loss: val.loss,
        val_accuracy: val.accuracy,
        val_miou: val.miou,
        val_class_miou: val.classMiou,
        miou: val.miou,
        val_part_iou: Object.fromEntries(classes.names.map((n, k) => [n, val.partIou[k]!])),
        seconds,
        val_seconds: valSeconds,
        clouds_per_second: seen / seconds,
        ...(firstMeasuredBatch > 0 ? { train_metrics_from_batch: firstMeasuredBatch + 1 } : {}),
      };
      state.history.push(record);
      state.epoch++;
      state.batchInEpoch = 0;
      log(
        `epoch ${record.epoch}/${config.epochs}: loss ${record.train_loss.toFixed(4)} / ${record.val_loss.toFixed(4)}, ` +
          `acc ${record.train_accuracy.toFixed(3)} / ${record.val_accuracy.toFixed(3)}, mIoU ${record.train_miou.toFixed(3)} / ${record.val_miou.toFixed(3)} ` +
          `(train / val), ${record.clouds_per_second.toFixed(2)} clouds/s` +
          (firstMeasuredBatch > 0 ? ` (train figures from batch ${firstMeasuredBatch + 1} on: resumed mid-epoch)` : ''),
      );
      options.onEpoch?.(record);
      // With nothing held out there is nothing to select on: no best.ckpt, the model is last.ckpt.
      const isBest = hasVal && Number.isFinite(record.val_miou) && record.val_miou > state.bestMiou;
      if (isBest) {
        state.bestMiou = record.val_miou;
        state.bestEpoch = record.epoch;
      }
      await writeHistory(runDir, state.history);
      const tensors = [...weightTensors(model.getWeights()), ...optimizer.getState()];
      if (isBest) await writeCheckpoint(runPath(runDir, 'best'), { meta: checkpointMeta(lastMetrics()), tensors });
      await writeCheckpoint(runPath(runDir, 'last'), { meta: checkpointMeta(lastMetrics()), tensors });
    }
    if (interrupted) {
      await saveLast(lastMetrics());
      log(
        `stopped at epoch ${state.epoch + 1}, batch ${state.batchInEpoch}; saved ${runPath(runDir, 'last')} (continue with --resume)`,
      );
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await executor.close();
    optimizer.dispose();
    model.dispose();
  }
  const result: TrainResult = {
    runDir,
    backend,
    epochsCompleted: state.epoch,
    steps: optimizer.step,
    history: state.history,
    best: { epoch: state.bestEpoch, valMiou: state.bestMiou },
    interrupted,
  };
  if (interrupted && options.stopAfterSteps === undefined) throw interruptedError(runDir, options.out);
  return result;
}

export { ADAM_PREFIX };
