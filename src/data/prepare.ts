/** Sampling to a fixed point count, train/val splitting and batching: from parsed clouds to typed-array batches. */
import { checkPositiveInt } from '../core/validate.ts';
import { Rng } from '../core/rng.ts';
import { augmentCloud, isIdentityAugment, type AugmentOptions } from './augment.ts';
import { normalizeUnitSphere } from '../core/normalize.ts';
import type { Batch, Cloud, Dataset, PreparedCloud } from './types.ts';

export interface PrepareOptions {
  numPoints: number;
  seed: number;
  /** Clouds with fewer points than numPoints: skip them (the reference behaviour) or resample with replacement. */
  short?: 'skip' | 'resample';
}

/**
 * A training sample: numPoints indices drawn at random from the rng, in random order; without replacement when the
 * cloud has enough points, with replacement otherwise. (Serving a fixed point count is another thing:
 * runtime/triton/point-sampling.ts keeps every point of a short cloud and a fixed sample per cloud size.)
 */
export function randomPointIndices(total: number, numPoints: number, rng: Rng): Int32Array {
  const out = new Int32Array(numPoints);
  if (total >= numPoints) {
    // Partial Fisher–Yates: the first numPoints entries of a shuffled permutation.
    const perm = Int32Array.from({ length: total }, (_, i) => i);
    for (let i = 0; i < numPoints; i++) {
      const j = i + rng.int(total - i);
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
      out[i] = perm[i]!;
    }
  } else {
    for (let i = 0; i < numPoints; i++) out[i] = rng.int(total);
  }
  return out;
}

/** Samples each labelled cloud to numPoints (seeded, per cloud) and normalises it into the unit sphere. */
export function prepareClouds(clouds: Cloud[], options: PrepareOptions): PreparedCloud[] {
  checkPositiveInt('--points', options.numPoints);
  const rng = new Rng(options.seed);
  const out: PreparedCloud[] = [];
  for (const cloud of clouds) {
    const cloudRng = rng.fork(out.length + 1);
    const total = cloud.points.length / 3;
    if (!cloud.labels || total === 0) continue;
    if (total < options.numPoints && (options.short ?? 'skip') === 'skip') continue;
    const idx = randomPointIndices(total, options.numPoints, cloudRng);
    const picked = new Float32Array(options.numPoints * 3);
    const labels = new Int32Array(options.numPoints);
    for (let i = 0; i < idx.length; i++) {
      const s = idx[i]!;
      picked[i * 3] = cloud.points[s * 3]!;
      picked[i * 3 + 1] = cloud.points[s * 3 + 1]!;
      picked[i * 3 + 2] = cloud.points[s * 3 + 2]!;
      labels[i] = cloud.labels[s]!;
    }
    out.push({ id: cloud.id, category: cloud.category, points: normalizeUnitSphere(picked), labels });
  }
  return out;
}

/** Which clouds a run trains on: the train side of the split (val held out), or train and val together. */
export const TRAIN_SPLITS = ['train', 'trainval'] as const;
export type TrainSplit = (typeof TRAIN_SPLITS)[number];

/**
 * Train/val split: the dataset's official train and val lists when it has both (and both name clouds present),
 * otherwise a seeded shuffle with valFraction for validation. The same seed always gives the same split.
 * With `trainOn: 'trainval'` both sides are trained on and val is empty (the reference trainers' final fit);
 * the official test list stays out either way.
 */
export function splitTrainVal<T extends Pick<PreparedCloud, 'id'>>(
  dataset: Pick<Dataset, 'officialSplit'>,
  prepared: T[],
  options: { valFraction?: number; seed: number; trainOn?: TrainSplit },
): { train: T[]; val: T[] } {
  const split = officialOrSeededSplit(dataset, prepared, options);
  if (options.trainOn !== 'trainval') return split;
  const ids = new Set([...split.train, ...split.val].map((c) => c.id));
  return { train: prepared.filter((c) => ids.has(c.id)), val: [] };
}

function officialOrSeededSplit<T extends Pick<PreparedCloud, 'id'>>(
  dataset: Pick<Dataset, 'officialSplit'>,
  prepared: T[],
  options: { valFraction?: number; seed: number },
): { train: T[]; val: T[] } {
  const official = dataset.officialSplit;
  if (official) {
    const train = new Set(official.train);
    const val = new Set(official.val);
    const split = { train: prepared.filter((c) => train.has(c.id)), val: prepared.filter((c) => val.has(c.id)) };
    // A partial copy of the dataset can leave one side of the official split empty; then split by seed instead.
    if (split.train.length > 0 && split.val.length > 0) return split;
  }
  const fraction = options.valFraction ?? 0.2;
  const order = new Rng(options.seed ^ 0x5a17).shuffle(prepared.map((_, i) => i));
  const nVal = prepared.length < 2 ? 0 : Math.max(1, Math.round(prepared.length * fraction));
  const valIdx = new Set(order.slice(0, nVal));
  return {
    train: prepared.filter((_, i) => !valIdx.has(i)),
    val: prepared.filter((_, i) => valIdx.has(i)),
  };
}

/** What decides a run's clouds and samples: the fields of a training config that splitRun reads. */
export interface RunSplitRecipe {
  /** Keep only the first maxClouds clouds (0: all). */
  maxClouds: number;
  points: number;
  seed: number;
  shortClouds: 'skip' | 'resample';
  valFraction: number;
  split: TrainSplit;
}

/**
 * A run's clouds, sampled and split as training does it: the one place training (src/train/train-data.ts) and
 * evaluation (`pnet eval --split train|val`, src/eval) get their sides from, so they cannot drift apart.
 */
export function splitRun(
  dataset: Pick<Dataset, 'officialSplit'>,
  clouds: Cloud[],
  recipe: RunSplitRecipe,
): { used: Cloud[]; train: PreparedCloud[]; val: PreparedCloud[] } {
  const used = recipe.maxClouds > 0 ? clouds.slice(0, recipe.maxClouds) : clouds;
  const prepared = prepareClouds(used, { numPoints: recipe.points, seed: recipe.seed, short: recipe.shortClouds });
  const sides = splitTrainVal(dataset, prepared, {
    valFraction: recipe.valFraction,
    seed: recipe.seed,
    trainOn: recipe.split,
  });
  return { used, ...sides };
}

export interface BatchOptions {
  batchSize: number;
  seed: number;
  shuffle: boolean;
  /** Std-dev of Gaussian noise added to every coordinate (training augmentation only). */
  jitter?: number;
  /** Per-cloud scale / shift / rotation (training augmentation only); jitter above is applied after it. */
  augment?: Omit<AugmentOptions, 'jitter'>;
  /** Keep a last batch smaller than batchSize (evaluation) or drop it (training with batch norm). */
  keepPartial?: boolean;
}

export function makeBatches(clouds: PreparedCloud[], options: BatchOptions): Batch[] {
  if (clouds.length === 0) return [];
  const rng = new Rng(options.seed);
  const order = clouds.map((_, i) => i);
  if (options.shuffle) rng.shuffle(order);
  const n = clouds[0]!.labels.length;
  const batches: Batch[] = [];
  for (let start = 0; start < order.length; start += options.batchSize) {
    const members = order.slice(start, start + options.batchSize);
    if (members.length < options.batchSize && !(options.keepPartial ?? true) && batches.length > 0) break;
    const points = new Float32Array(members.length * n * 3);
    const labels = new Int32Array(members.length * n);
    members.forEach((m, b) => {
      points.set(clouds[m]!.points, b * n * 3);
      labels.set(clouds[m]!.labels, b * n);
    });
    const augment: AugmentOptions = { ...options.augment, jitter: options.jitter };
    if (!isIdentityAugment(augment)) {
      for (let b = 0; b < members.length; b++) augmentCloud(points.subarray(b * n * 3, (b + 1) * n * 3), augment, rng);
    }
    batches.push({ size: members.length, numPoints: n, points, labels });
  }
  return batches;
}
