/** Training configuration: CLI options after defaults. Stored in config.json and in every checkpoint. */
import { PnetError } from '../core/errors.ts';
import { checkOneOf, checkPositiveInt } from '../core/validate.ts';
import { BACKEND_REQUESTS, type BackendName, type BackendRequest } from '../backend/names.ts';
import { PRESET_NAMES, type PresetName } from '../model/spec.ts';
import { TRAIN_SPLITS, type TrainSplit } from '../data/prepare.ts';

/** `step`: multiply by lrDecayFactor every lrDecayEvery epochs; `cosine`: from learningRate down to 1% of it. */
export const LR_SCHEDULES = ['step', 'cosine'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];
/** Draw fresh points from every training cloud each epoch (`epoch`), or sample each cloud once (`once`). */
export const RESAMPLE_MODES = ['epoch', 'once'] as const;
export type ResampleMode = (typeof RESAMPLE_MODES)[number];
/** Clouds with fewer points than `points`: skip them (the reference behaviour) or resample with replacement. */
export const SHORT_CLOUD_MODES = ['skip', 'resample'] as const;
export type ShortCloudMode = (typeof SHORT_CLOUD_MODES)[number];

export interface TrainConfig {
  data: string;
  categories: string[];
  preset: PresetName;
  epochs: number;
  batchSize: number;
  points: number;
  /** Use at most this many clouds (before the split); 0 = all. */
  maxClouds: number;
  seed: number;
  learningRate: number;
  /** Staircase decay: the rate is multiplied by lrDecayFactor every lrDecayEvery epochs. */
  lrDecayEvery: number;
  lrDecayFactor: number;
  valFraction: number;
  /**
   * `train`: train on the train side of the split and select on val; `trainval`: train on both (the reference
   * trainers' final fit), no val, so the model is the last epoch.
   */
  split: TrainSplit;
  /** Std-dev of Gaussian jitter on training points (augmentation). */
  jitter: number;
  resample: ResampleMode;
  /** Random anisotropic scale per axis, uniform in [lo, hi] (augmentation); [1, 1] turns it off. */
  scaleRange: [number, number];
  /** Random shift per axis, uniform in [−shift, shift] (augmentation). */
  shift: number;
  /** Random rotation about the up (y) axis (augmentation). */
  rotateUp: boolean;
  lrSchedule: LrSchedule;
  /** ε of label smoothing: each point's training target is (1 − ε) on its part plus ε spread over all parts. */
  labelSmoothing: number;
  /**
   * Weight each point by its part's share of the training points to the power −balanceParts (0: every point the
   * same; 0.5: inverse square root), so small parts count more.
   */
  balanceParts: number;
  shortClouds: ShortCloudMode;
  backend: BackendRequest;
}

export const TRAIN_DEFAULTS: Omit<TrainConfig, 'data' | 'categories'> = {
  preset: 'keras',
  epochs: 60,
  batchSize: 32,
  points: 1024,
  maxClouds: 0,
  seed: 42,
  learningRate: 0.003,
  lrDecayEvery: 5,
  lrDecayFactor: 0.5,
  valFraction: 0.2,
  split: 'train',
  jitter: 0.01,
  resample: 'epoch',
  scaleRange: [0.8, 1.25],
  shift: 0,
  rotateUp: false,
  lrSchedule: 'step',
  labelSmoothing: 0,
  balanceParts: 0,
  shortClouds: 'skip',
  backend: 'auto',
};

/**
 * What each preset's recipe changes from TRAIN_DEFAULTS when the user does not say otherwise. keras keeps the
 * reference schedule (60 epochs, halved every 5); lite is sized to one hour on a 2-core CPU for the real
 * ShapeNet Airplane set with two workers (about 65 s an epoch on train, 72 s on train + val; bench/ACCURACY.md),
 * where a cosine decay over the run beats the staircase; mid gets the same ~40 minutes (25 epochs at ~1.45× lite's
 * step), where it scores below lite, so it is for longer runs.
 */
export const PRESET_TRAIN_DEFAULTS: Record<PresetName, Partial<TrainConfig>> = {
  keras: {},
  mid: { epochs: 25, lrSchedule: 'cosine' },
  lite: { epochs: 40, lrSchedule: 'cosine' },
};

/** TRAIN_DEFAULTS, then the preset's recipe, then what the user set (undefined values do not count). */
export function withDefaults(user: Partial<TrainConfig>): TrainConfig {
  const defined = Object.fromEntries(Object.entries(user).filter(([, v]) => v !== undefined)) as Partial<TrainConfig>;
  const preset = (defined.preset ?? TRAIN_DEFAULTS.preset) as PresetName;
  return { ...TRAIN_DEFAULTS, ...(PRESET_TRAIN_DEFAULTS[preset] ?? {}), ...defined } as TrainConfig;
}

export function validateConfig(c: TrainConfig): TrainConfig {
  checkOneOf('--preset', c.preset, PRESET_NAMES);
  checkOneOf('--backend', c.backend, BACKEND_REQUESTS);
  checkPositiveInt('--epochs', c.epochs);
  checkPositiveInt('--points', c.points);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 2) {
    throw new PnetError(
      'BAD_ARGUMENT',
      `--batch-size must be an integer ≥ 2 (batch norm needs batch statistics), got ${c.batchSize}`,
    );
  }
  if (!Number.isInteger(c.maxClouds) || c.maxClouds < 0)
    throw new PnetError('BAD_ARGUMENT', `--max-clouds must be ≥ 0, got ${c.maxClouds}`);
  if (!(c.learningRate > 0)) throw new PnetError('BAD_ARGUMENT', `--lr must be positive, got ${c.learningRate}`);
  checkOneOf('--short-clouds', c.shortClouds, SHORT_CLOUD_MODES);
  checkOneOf('--resample', c.resample, RESAMPLE_MODES);
  checkOneOf('--split', c.split, TRAIN_SPLITS);
  checkOneOf('--lr-schedule', c.lrSchedule, LR_SCHEDULES);
  const [lo, hi] = c.scaleRange;
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi)))
    throw new PnetError('BAD_ARGUMENT', `--scale must be two numbers 0 < lo ≤ hi, got ${c.scaleRange.join(' ')}`);
  if (!(c.shift >= 0 && c.shift < 10))
    throw new PnetError('BAD_ARGUMENT', `--shift must be in [0, 10), got ${c.shift}`);
  if (!(c.jitter >= 0 && c.jitter < 1))
    throw new PnetError('BAD_ARGUMENT', `--jitter must be in [0, 1), got ${c.jitter}`);
  if (!(c.labelSmoothing >= 0 && c.labelSmoothing < 1))
    throw new PnetError('BAD_ARGUMENT', `--label-smoothing must be in [0, 1), got ${c.labelSmoothing}`);
  if (!(c.balanceParts >= 0 && c.balanceParts <= 1))
    throw new PnetError('BAD_ARGUMENT', `--balance-parts must be in [0, 1], got ${c.balanceParts}`);
  if (!(c.valFraction > 0 && c.valFraction < 1))
    throw new PnetError('BAD_ARGUMENT', `--val-fraction must be in (0, 1), got ${c.valFraction}`);
  if (c.categories.length === 0) throw new PnetError('BAD_ARGUMENT', 'name at least one --category');
  return c;
}

/** Backends whose training steps can be split across worker threads (each thread starts its own). */
const PARALLEL_BACKENDS: readonly BackendName[] = ['wasm', 'cpu'];

/**
 * Threads a training step is split across. Default: every core on the wasm backend (one thread each), one
 * elsewhere (tensorflow and webgpu use the cores or the GPU themselves; cpu is the slow fallback).
 */
export function resolveWorkers(
  requested: number | undefined,
  backend: BackendName,
  batchSize: number,
  cores: number,
): number {
  if (requested === undefined) return backend === 'wasm' ? Math.max(1, Math.min(cores, batchSize)) : 1;
  checkPositiveInt('--workers', requested);
  if (requested > 1 && !PARALLEL_BACKENDS.includes(backend)) {
    throw new PnetError(
      'BAD_ARGUMENT',
      `--workers ${requested} needs the wasm or cpu backend; ${backend} runs one step at a time`,
      {
        remedy: 'leave out --workers, or choose --backend wasm',
      },
    );
  }
  if (requested > batchSize) {
    throw new PnetError('BAD_ARGUMENT', `--workers ${requested} is more than the ${batchSize} clouds of a batch`, {
      remedy: `use --workers ${batchSize} or fewer`,
    });
  }
  return requested;
}
