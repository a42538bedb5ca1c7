/**
 * The epochs of a training call: each one's steps (with progress, callbacks and the stop checks), then its val
 * scores, its record in the history, and its checkpoints. Stops after the current step when asked. Browser-safe:
 * where the epochs are kept (a run folder, a page's memory) and how progress is drawn come from the caller.
 */
import { makeBatches } from '../data/prepare.ts';
import type { Batch, PreparedCloud } from '../data/types.ts';
import { SegmentationMetrics } from '../core/metrics.ts';
import type { Progress } from '../core/node/progress.ts';
import { Rng } from '../core/rng.ts';
import type { TrainCallOptions } from './api.ts';
import { guardStep } from './divergence.ts';
import type { StepExecutor } from './step-executor.ts';
import type { EpochMetrics } from './run-dir.ts';
import type { TrainingRun } from './run-state.ts';
import { cosineRateAt, learningRateAt } from './schedule.ts';
import { scoreClouds } from './score-clouds.ts';
import { epochSeed, type TrainData } from './train-data.ts';

/** Where a run's epochs are kept: its folder on disk (run-store.ts), or a page's memory. */
export interface RunStore {
  /** What holds the last good state, as messages name it; undefined while nothing is kept yet. */
  lastGood(): string | undefined;
  /** After an epoch: its history, then best (when val improved) and last checkpoints. */
  saveEpoch(run: TrainingRun, isBest: boolean): Promise<void>;
}

export interface EpochLoop {
  run: TrainingRun;
  data: TrainData;
  executor: StepExecutor;
  store: RunStore;
  /** A progress bar for an epoch's steps, if any is drawn. */
  progressBar?: (label: string, steps: number) => Progress;
  options: Pick<TrainCallOptions, 'onStep' | 'onEpoch' | 'stopAfterSteps'>;
  log: (line: string) => void;
  /** True once the caller asked to stop (checked after every step). */
  stopRequested: () => boolean;
}

/** What the steps of one epoch gave. */
interface TrainedEpoch {
  /** False when the loop stopped before the epoch's last batch. */
  complete: boolean;
  metrics: SegmentationMetrics;
  lossSum: number;
  seen: number;
  seconds: number;
  /** The first batch trained in this call (above 0 when resumed mid-epoch). */
  firstMeasuredBatch: number;
}

/** Trains until the configured epoch count; false when it stopped early (a stop request or stopAfterSteps). */
export async function runEpochs(loop: EpochLoop): Promise<boolean> {
  const { config, state } = loop.run;
  const steps = { count: 0 };
  while (state.epoch < config.epochs) {
    const lr =
      config.lrSchedule === 'cosine'
        ? cosineRateAt(state.epoch, config.learningRate, config.epochs)
        : learningRateAt(state.epoch, config.learningRate, config.lrDecayEvery, config.lrDecayFactor);
    const trained = await trainEpoch(loop, lr, steps);
    if (!trained.complete) return false;
    await finishEpoch(loop, lr, trained);
    // A stop asked for during an epoch's last step ends the run here, not one step into the next epoch.
    if (loop.stopRequested() && state.epoch < config.epochs) return false;
  }
  return true;
}

function epochBatches(loop: EpochLoop, epochClouds: PreparedCloud[]): Batch[] {
  const { config, state } = loop.run;
  return makeBatches(epochClouds, {
    batchSize: config.batchSize,
    seed: epochSeed(config.seed, state.epoch),
    shuffle: true,
    jitter: config.jitter,
    augment: { scale: config.scaleRange, shift: config.shift, rotateUp: config.rotateUp },
    keepPartial: false,
  }).filter((b) => b.size >= 2);
}

async function trainEpoch(loop: EpochLoop, lr: number, steps: { count: number }): Promise<TrainedEpoch> {
  const { run, data, options } = loop;
  const { config, state, optimizer, classes } = run;
  const batches = epochBatches(loop, data.trainCloudsOf(state.epoch));
  const metrics = new SegmentationMetrics(classes.names.length, classes.partsOf);
  let lossSum = 0;
  let seen = 0;
  const started = performance.now();
  const bar = loop.progressBar?.(`epoch ${state.epoch + 1}/${config.epochs}`, batches.length);
  bar?.update(state.batchInEpoch, { loss: '-', rate: '-' });
  // The categories of each batch's clouds (for mIoU): makeBatches shuffles with a fresh Rng of this seed.
  const order = new Rng(epochSeed(config.seed, state.epoch)).shuffle(data.trainClouds.map((_, i) => i));
  // Resumed mid-epoch, this epoch's train metrics cover only the batches from here on; the record says so.
  const firstMeasuredBatch = state.batchInEpoch;
  for (let b = state.batchInEpoch; b < batches.length; b++) {
    const batch = batches[b]!;
    const result = await guardStep(
      () => loop.executor.trainStep(batch, lr),
      () => ({ epoch: state.epoch + 1, batch: b + 1, step: optimizer.step + 1, lastGood: loop.store.lastGood() }),
    );
    const cats = order
      .slice(b * config.batchSize, b * config.batchSize + batch.size)
      .map((i) => data.trainClouds[i]!.category);
    metrics.addScores(result.scores, batch.labels, cats, batch.numPoints);
    lossSum += result.loss * batch.size;
    seen += batch.size;
    state.batchInEpoch = b + 1;
    steps.count++;
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
    if (loop.stopRequested() || (options.stopAfterSteps !== undefined && steps.count >= options.stopAfterSteps)) break;
  }
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  return { complete: state.batchInEpoch >= batches.length, metrics, lossSum, seen, seconds, firstMeasuredBatch };
}

/** Val scores, the epoch's record (history files, log line, onEpoch), best.ckpt when val improved, last.ckpt. */
async function finishEpoch(loop: EpochLoop, lr: number, trained: TrainedEpoch): Promise<void> {
  const { run, data } = loop;
  const { config, state, classes } = run;
  const { seen, seconds, firstMeasuredBatch } = trained;
  const train = trained.metrics.summary();
  const valStarted = performance.now();
  const valMetrics = new SegmentationMetrics(classes.names.length, classes.partsOf);
  const valLossSum = await scoreClouds(loop.executor, data.valClouds, valMetrics, config.batchSize);
  const val = {
    loss: data.valClouds.length ? valLossSum / data.valClouds.length : Number.NaN,
    ...valMetrics.summary(),
  };
  const valSeconds = (performance.now() - valStarted) / 1000;
  const record: EpochMetrics = {
    epoch: state.epoch + 1,
    lr,
    train_loss: seen ? trained.lossSum / seen : Number.NaN,
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
  loop.log(
    epochLine(record, config.epochs, data.valClouds.length > 0) +
      (firstMeasuredBatch > 0 ? ` (train figures from batch ${firstMeasuredBatch + 1} on: resumed mid-epoch)` : ''),
  );
  loop.options.onEpoch?.(record);
  // With nothing held out there is nothing to select on: no best.ckpt, the model is last.ckpt.
  const isBest = data.valClouds.length > 0 && Number.isFinite(record.val_miou) && record.val_miou > state.bestMiou;
  if (isBest) {
    state.bestMiou = record.val_miou;
    state.bestEpoch = record.epoch;
  }
  await loop.store.saveEpoch(run, isBest);
}

/** One epoch's summary line; a run with nothing held out (`--split trainval`) has train figures only. */
function epochLine(record: EpochMetrics, epochs: number, hasVal: boolean): string {
  const head = `epoch ${record.epoch}/${epochs}: `;
  const rate = `${record.clouds_per_second.toFixed(2)} clouds/s`;
  if (!hasVal) {
    return (
      head +
      `loss ${record.train_loss.toFixed(4)}, acc ${record.train_accuracy.toFixed(3)}, ` +
      `mIoU ${record.train_miou.toFixed(3)} (train; no val held out), ${rate}`
    );
  }
  return (
    head +
    `loss ${record.train_loss.toFixed(4)} / ${record.val_loss.toFixed(4)}, ` +
    `acc ${record.train_accuracy.toFixed(3)} / ${record.val_accuracy.toFixed(3)}, ` +
    `mIoU ${record.train_miou.toFixed(3)} / ${record.val_miou.toFixed(3)} (train / val), ${rate}`
  );
}
