/**
 * Evaluation of a trained model on a dataset by the ShapeNet part benchmark's protocol (src/core/metrics.ts):
 * accuracy, instance and class mIoU, per-part IoU and the confusion matrix, either on the sampled point count the
 * model trained on or, with `allPoints`, on every original point of each cloud (what a user of the model gets).
 */
import { availableParallelism } from 'node:os';
import { loadDataset, prepareClouds, splitRun } from '../data/index.ts';
import type { Cloud, Dataset, PreparedCloud } from '../data/types.ts';
import { PnetError } from '../core/errors.ts';
import { loadPointNetFromCheckpoint } from '../checkpoint/load-model.ts';
import { resolveCheckpoint } from '../checkpoint/resolve.ts';
import { SegmentationMetrics, type MetricsSummary } from '../core/metrics.ts';
import type { BackendName } from '../backend/index.ts';
import { resolveWorkers, TRAIN_DEFAULTS, type TrainConfig } from '../train/options.ts';
import { createStepExecutor } from '../train/parallel/executor.ts';
import { spawnNodeStepWorker } from '../train/parallel/node-transport.ts';
import { scoreClouds } from '../train/score-clouds.ts';
import { scoreWholeCloud } from './score-whole-cloud.ts';

import type { EvalSplit } from './splits.ts';

export { EVAL_SPLITS, type EvalSplit } from './splits.ts';
export { formatEvalReport } from './format-report.ts';

export interface EvalOptions {
  /** A run directory (its best.ckpt) or a checkpoint file. */
  model: string;
  data: string;
  /** Defaults to the categories the model was trained on. */
  categories?: string[];
  /** Defaults to the training point count. Ignored with `allPoints`. */
  points?: number;
  /** Score every original point of each cloud (the whole cloud normalised as one) instead of a sample. */
  allPoints?: boolean;
  /** Which clouds: all (default), or the train/val/test split the training run used. */
  split?: EvalSplit;
  batchSize?: number;
  maxClouds?: number;
  seed?: number;
  progress?: boolean;
  /** The active TF.js backend; with it, batches are split across `workers` threads (default: as for training). */
  backend?: BackendName;
  workers?: number;
}

export interface EvalReport extends MetricsSummary {
  checkpoint: string;
  classNames: string[];
  clouds: number;
  /** Points per cloud, or `all` for every original point. */
  points: number | 'all';
  split: EvalSplit;
}

/**
 * The clouds of one split: the dataset's official lists when it has them, otherwise the seeded split of the
 * training run (the same sampling and seed its config recorded).
 */
export function selectSplit(
  dataset: Dataset,
  clouds: Cloud[],
  split: EvalSplit,
  trainConfig: Partial<TrainConfig>,
): Cloud[] {
  return splitOfRun(dataset, clouds, split, trainConfig).clouds;
}

/**
 * A split's clouds and, for the run's own train and val sides, the very samples training drew for them (the same
 * points, in the same order), so a sampled `pnet eval --split val` reproduces the figures training recorded.
 */
function splitOfRun(
  dataset: Dataset,
  clouds: Cloud[],
  split: EvalSplit,
  trainConfig: Partial<TrainConfig>,
): { clouds: Cloud[]; trainingSample?: PreparedCloud[] } {
  if (split === 'all') return { clouds };
  const official = dataset.officialSplit;
  if (split === 'test') {
    if (!official || official.test.length === 0) {
      throw new PnetError(
        'BAD_ARGUMENT',
        'this dataset has no official test split (train_test_split/shuffled_test_file_list.json)',
        {
          file: dataset.root,
        },
      );
    }
    const ids = new Set(official.test);
    return { clouds: clouds.filter((c) => ids.has(c.id)) };
  }
  const config = { ...TRAIN_DEFAULTS, ...trainConfig };
  if (split === 'val' && config.split === 'trainval') {
    throw new PnetError(
      'BAD_ARGUMENT',
      'this run trained on train + val (--split trainval): it has no val clouds left',
      {
        remedy: 'score the train-only run of the same recipe on val, or use --split test where the dataset has it',
      },
    );
  }
  const sides = splitRun(dataset, clouds, config);
  const ids = new Set(sides[split].map((c) => c.id));
  return { clouds: sides.used.filter((c) => ids.has(c.id)), trainingSample: sides[split] };
}

export async function evaluate(options: EvalOptions): Promise<EvalReport> {
  const checkpoint = await resolveCheckpoint(options.model);
  const { model, meta } = await loadPointNetFromCheckpoint(checkpoint);
  try {
    const dataset = await loadDataset(options.data, {
      categories: options.categories ?? meta.category,
      progress: options.progress ?? true,
    });
    if (dataset.classes.names.join('|') !== meta.classes.names.join('|')) {
      throw new PnetError(
        'BAD_INPUT',
        `the dataset's classes [${dataset.classes.names}] differ from the model's [${meta.classes.names}]`,
        {
          file: options.data,
          remedy: 'evaluate on the categories the model was trained on',
        },
      );
    }
    const split = options.split ?? 'all';
    const trainConfig = meta.config as Partial<TrainConfig>;
    const chosen = splitOfRun(dataset, dataset.clouds, split, trainConfig);
    let clouds = chosen.clouds.filter((c) => c.labels && c.points.length > 0);
    if (options.maxClouds) clouds = clouds.slice(0, options.maxClouds);
    const metrics = new SegmentationMetrics(meta.classes.names.length, dataset.classes.partsOf);
    if (options.allPoints) {
      for (const cloud of clouds) metrics.addShapeScores(scoreWholeCloud(model, cloud), cloud.labels!, cloud.category);
      return {
        ...metrics.summary(),
        checkpoint,
        classNames: meta.classes.names,
        clouds: clouds.length,
        points: 'all',
        split,
      };
    }
    const points = options.points ?? meta.numPoints;
    // The run's own split at its own sampling: score exactly what training scored (its figures, to rounding).
    const asTrained = chosen.trainingSample && options.points === undefined && options.seed === undefined;
    const prepared = asTrained
      ? chosen.trainingSample!.slice(0, options.maxClouds || undefined)
      : prepareClouds(clouds, { numPoints: points, seed: options.seed ?? 0, short: 'resample' });
    const batchSize = options.batchSize ?? (asTrained ? (trainConfig.batchSize ?? 16) : 16);
    const workers = options.backend
      ? resolveWorkers(options.workers, options.backend, batchSize, availableParallelism())
      : 1;
    const executor = await createStepExecutor({
      workers,
      backend: options.backend ?? 'cpu',
      model,
      spawn: spawnNodeStepWorker,
    });
    try {
      await scoreClouds(executor, prepared, metrics, batchSize);
    } finally {
      await executor.close();
    }
    return { ...metrics.summary(), checkpoint, classNames: meta.classes.names, clouds: prepared.length, points, split };
  } finally {
    model.dispose();
  }
}
