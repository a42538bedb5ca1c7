/**
 * A training call's data: the dataset loaded, sampled to the run's point count, split into the train and val
 * clouds (src/data/prepare.ts), and the train clouds of each epoch (fresh points every epoch with `resample: epoch`).
 */
import { prepareClouds, splitRun } from '../data/prepare.ts';
import type { ClassTable, Dataset, PreparedCloud } from '../data/types.ts';
import { countSkippedClouds, formatSkippedClouds } from '../data/skipped-clouds.ts';
import { PnetError } from '../core/errors.ts';
import type { TrainConfig } from './options.ts';
import { checkSameSplit, splitFingerprint, type SplitFingerprint } from './resume-rules.ts';

export interface TrainData {
  classes: ClassTable;
  /** The train clouds as first sampled (epoch 0, and every epoch with `resample: once`). */
  trainClouds: PreparedCloud[];
  valClouds: PreparedCloud[];
  /** The train clouds of an epoch: the same clouds in the same order, fresh points with `resample: epoch`. */
  trainCloudsOf(epoch: number): PreparedCloud[];
  /** The clouds of each side, for the resume check. */
  split: SplitFingerprint;
  /** One status line: the clouds of each side, points, classes and what was skipped. */
  summary: string;
}

/** A seed for each epoch of a run: the batch order and the fresh points of that epoch. */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;
}

/**
 * The loaded dataset's clouds for a run (a page gets its Dataset from dropped files, Node from a folder:
 * load-train-data.ts). `resumedFrom`: the split a resumed run recorded (absent in runs made before it was); the data
 * must give the same clouds to each side, or training would silently go on with others.
 */
export async function trainDataFrom(
  dataset: Dataset,
  config: TrainConfig,
  resumedFrom?: { split?: SplitFingerprint },
): Promise<TrainData> {
  const { used: clouds, train: trainClouds, val: valClouds } = splitRun(dataset, dataset.clouds, config);
  const split = await splitFingerprint(trainClouds, valClouds);
  if (resumedFrom) checkSameSplit(resumedFrom.split, split, config.data);
  const trainIds = new Set(trainClouds.map((c) => c.id));
  const trainSources = clouds.filter((c) => c.labels && trainIds.has(c.id));
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
  return {
    classes,
    trainClouds,
    valClouds,
    trainCloudsOf,
    split,
    summary: `data: ${sides} of ${config.categories.join(', ')}, ${config.points} points, ${classes.names.length} classes${skipped}`,
  };
}
