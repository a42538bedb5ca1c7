/** Training configuration: CLI options after defaults. Stored in config.json and in every checkpoint. */
import { PnetError } from '../errors.ts';
import { availableParallelism } from 'node:os';
import { BACKEND_NAMES, type BackendName, type BackendRequest } from '../backend/index.ts';
import { PRESET_NAMES, type PresetName } from '../model/spec.ts';

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
  /** Std-dev of Gaussian jitter on training points (augmentation). */
  jitter: number;
  /** Clouds with fewer points than `points`: skip them (the reference behaviour) or resample with replacement. */
  shortClouds: 'skip' | 'resample';
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
  jitter: 0.01,
  shortClouds: 'skip',
  backend: 'auto',
};

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new PnetError('BAD_ARGUMENT', `${name} must be a positive integer, got ${v}`);
}

export function validateConfig(c: TrainConfig): TrainConfig {
  if (!(PRESET_NAMES as readonly string[]).includes(c.preset)) {
    throw new PnetError('BAD_ARGUMENT', `--preset must be one of ${PRESET_NAMES.join(', ')}, got "${c.preset}"`);
  }
  if (c.backend !== 'auto' && !(BACKEND_NAMES as readonly string[]).includes(c.backend)) {
    throw new PnetError('BAD_ARGUMENT', `--backend must be auto or one of ${BACKEND_NAMES.join(', ')}, got "${c.backend}"`);
  }
  positiveInt('--epochs', c.epochs);
  positiveInt('--points', c.points);
  if (!Number.isInteger(c.batchSize) || c.batchSize < 2) {
    throw new PnetError('BAD_ARGUMENT', `--batch-size must be an integer ≥ 2 (batch norm needs batch statistics), got ${c.batchSize}`);
  }
  if (!Number.isInteger(c.maxClouds) || c.maxClouds < 0) throw new PnetError('BAD_ARGUMENT', `--max-clouds must be ≥ 0, got ${c.maxClouds}`);
  if (!(c.learningRate > 0)) throw new PnetError('BAD_ARGUMENT', `--lr must be positive, got ${c.learningRate}`);
  if (c.shortClouds !== 'skip' && c.shortClouds !== 'resample') {
    throw new PnetError('BAD_ARGUMENT', `--short-clouds must be skip or resample, got "${c.shortClouds}"`);
  }
  if (!(c.valFraction > 0 && c.valFraction < 1)) throw new PnetError('BAD_ARGUMENT', `--val-fraction must be in (0, 1), got ${c.valFraction}`);
  if (c.categories.length === 0) throw new PnetError('BAD_ARGUMENT', 'name at least one --category');
  return c;
}

/** Backends whose training steps can be split across worker threads (each thread starts its own). */
const PARALLEL_BACKENDS: readonly BackendName[] = ['wasm', 'cpu'];

/**
 * Threads a training step is split across. Default: every core on the wasm backend (one thread each), one
 * elsewhere (tensorflow and webgpu use the cores or the GPU themselves; cpu is the slow fallback).
 */
export function resolveWorkers(requested: number | undefined, backend: BackendName, batchSize: number, cores = availableParallelism()): number {
  if (requested === undefined) return backend === 'wasm' ? Math.max(1, Math.min(cores, batchSize)) : 1;
  positiveInt('--workers', requested);
  if (requested > 1 && !PARALLEL_BACKENDS.includes(backend)) {
    throw new PnetError('BAD_ARGUMENT', `--workers ${requested} needs the wasm or cpu backend; ${backend} runs one step at a time`, {
      remedy: 'leave out --workers, or choose --backend wasm',
    });
  }
  if (requested > batchSize) {
    throw new PnetError('BAD_ARGUMENT', `--workers ${requested} is more than the ${batchSize} clouds of a batch`, { remedy: `use --workers ${batchSize} or fewer` });
  }
  return requested;
}
