/**
 * The one tiny pnet model of the tests: the narrow preset (the keras topology, a few thousand parameters), four
 * classes of one category (or a dataset's own class table), seeded weights. `tinyModel` gives layout, weights and metadata in memory;
 * `tinyCheckpoint` writes them with the product's checkpoint writer, `tinyOnnx` exports that checkpoint with the
 * product's exporter (`pnet export`'s code), `tinyOnnxBytes` builds the same graph in memory.
 *
 * Weights (`weights`):
 * - 'varied' (default): every parameter moved off its init value, batch-norm statistics included, a positive
 *   batch-norm beta and a strong head, so the outputs are far from uniform, labels vary over a cloud and a wrong
 *   kernel or a missed fold shows. Sized for narrow widths: on a wide preset the noise would swamp the init.
 * - 'perturbed': every bias, batch-norm statistic and T-Net final layer moved off its init value by a small
 *   amount, any preset size (folding, bias handling and the transforms are exercised; labels are not calibrated).
 * - 'init': the trainer's glorot init as is.
 */
import { writeCheckpoint } from '../../src/checkpoint/files.ts';
import type { CheckpointMeta } from '../../src/checkpoint/format.ts';
import { describeModel } from '../../src/checkpoint/meta.ts';
import { Rng } from '../../src/core/rng.ts';
import { SYNTH_PARTS } from '../../src/data/synth.ts';
import {
  initialWeights,
  modelArchitecture,
  type ModelArchitecture,
  type PresetSpec,
  type WeightMap,
} from '../../src/model/spec.ts';
import { buildOnnxModel, exportCheckpointToOnnx } from '../../exporters/onnx/index.ts';
import type { OnnxExportOptions } from '../../exporters/onnx/index.ts';
import { NARROW_PRESET } from '../fixtures/presets.ts';
import { join } from 'node:path';

export const TINY_PRESET = NARROW_PRESET;

/** The classes of each category a tiny model can be made for; Airplane's are its benchmark parts, in order. */
export const TINY_CATEGORIES = {
  Airplane: { names: ['body', 'wing', 'tail', 'engine'], colors: ['#4363d8', '#e6194b', '#3cb44b', '#f032e6'] },
  Table: { names: ['top', 'leg', 'support', 'none'], colors: ['#5eead4', '#818cf8', '#f472b6', '#94a3b8'] },
} as const;
export type TinyCategory = keyof typeof TINY_CATEGORIES;

/** The five classes `pnet data synth` airplanes carry (their parts, then none), for models fed synthetic data. */
export const SYNTH_CLASSES = {
  names: [...SYNTH_PARTS, 'none'],
  colors: ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#808080'],
};

export const TINY_CLASSES: string[] = [...TINY_CATEGORIES.Airplane.names];
export const TINY_COLORS: string[] = [...TINY_CATEGORIES.Airplane.colors];
/** Training point count, epoch, step and metrics the tiny model's metadata records. */
export const TINY_NUM_POINTS = 1024;
export const TINY_METRICS = { val_miou: 0.5 };
/** The checkpoint hash `tinyOnnxBytes` stamps into the graph (no checkpoint file is behind it). */
export const TINY_SHA256 = 'ab'.repeat(32);

export interface TinyModelOptions {
  /** Default TINY_PRESET (narrow). */
  preset?: PresetSpec;
  /** Default Airplane. */
  category?: TinyCategory;
  /** The category's classes by default; a dataset's own table to evaluate the model on that dataset. */
  classes?: { names: readonly string[]; colors: readonly string[] };
  /** Default 7. */
  seed?: number;
  /** Default 'varied' (see the file's comment). */
  weights?: 'varied' | 'perturbed' | 'init';
}

export interface TinyModel {
  architecture: ModelArchitecture;
  weights: WeightMap;
  meta: CheckpointMeta;
}

export function tinyModel(options: TinyModelOptions = {}): TinyModel {
  const { preset = TINY_PRESET, category = 'Airplane', seed = 7, weights: kind = 'varied' } = options;
  const classes = options.classes ?? TINY_CATEGORIES[category];
  const architecture = modelArchitecture(preset, classes.names.length);
  const weights = initialWeights(architecture, seed);
  if (kind === 'varied') varyWeights(weights, seed);
  if (kind === 'perturbed') perturbWeights(weights, seed);
  const meta = describeModel({
    preset,
    classes: { names: [...classes.names], colors: [...classes.colors] },
    category: [category],
    numPoints: TINY_NUM_POINTS,
    epoch: 3,
    step: 120,
    metrics: { ...TINY_METRICS },
  });
  return { architecture, weights, meta };
}

const HEAD_GAIN = 2;

function varyWeights(weights: WeightMap, seed: number): void {
  const rng = new Rng(seed + 1);
  for (const w of weights.values()) {
    const positive = w.name.endsWith('moving_variance') || w.name.endsWith('gamma');
    // A positive beta keeps most ReLUs open; otherwise random features die and every point gets the same label.
    const offset = w.name.endsWith('/bn/beta') ? 1 : 0;
    for (let i = 0; i < w.data.length; i++) {
      const noise = rng.normal() * (w.name.includes('/final/') ? 0.05 : 0.3);
      w.data[i] = positive ? 0.5 + Math.abs(w.data[i]! + noise) : offset + w.data[i]! + noise;
    }
  }
  // A strong head turns the small per-point differences of random features into labels that vary over the cloud.
  const head = weights.get('seg/head/kernel')!.data;
  for (let i = 0; i < head.length; i++) head[i] = head[i]! * HEAD_GAIN;
}

function perturbWeights(weights: WeightMap, seed: number): void {
  const rng = new Rng(seed ^ 0x5eed);
  for (const [name, w] of weights) {
    const d = w.data;
    for (let i = 0; i < d.length; i++) {
      if (name.endsWith('/bn/gamma')) d[i] = rng.uniform(0.5, 1.5);
      else if (name.endsWith('/bn/beta')) d[i] = rng.uniform(-0.2, 0.2);
      else if (name.endsWith('/bn/moving_mean')) d[i] = rng.uniform(-0.3, 0.3);
      else if (name.endsWith('/bn/moving_variance')) d[i] = rng.uniform(0.3, 2);
      else if (name.endsWith('final/kernel')) d[i] = rng.uniform(-0.02, 0.02);
      else if (name.endsWith('final/bias')) d[i] = d[i]! + rng.uniform(-0.1, 0.1);
      else if (name.endsWith('/bias')) d[i] = rng.uniform(-0.1, 0.1);
    }
  }
}

/** The tiny model's ONNX graph built in memory, stamped with TINY_SHA256. */
export function tinyOnnxBytes(options: TinyModelOptions = {}, exportOptions: OnnxExportOptions = {}): Uint8Array {
  return buildOnnxModel({ ...tinyModel(options), checkpointSha256: TINY_SHA256 }, exportOptions);
}

/** Writes the tiny model as a checkpoint at `file` (the product's writer); returns the model written. */
export async function tinyCheckpoint(file: string, options: TinyModelOptions = {}): Promise<TinyModel> {
  const model = tinyModel(options);
  await writeCheckpoint(file, { meta: model.meta, tensors: [...model.weights.values()] });
  return model;
}

/**
 * Writes `<dir>/<name>.ckpt` and exports it to `<dir>/<name>.onnx` (the product's exporter, so the graph carries
 * the checkpoint's real hash); returns the model's path.
 */
export async function tinyOnnx(dir: string, options: TinyModelOptions & { name?: string } = {}): Promise<string> {
  const { name = 'tiny', ...modelOptions } = options;
  const checkpoint = join(dir, `${name}.ckpt`);
  const model = join(dir, `${name}.onnx`);
  await tinyCheckpoint(checkpoint, modelOptions);
  await exportCheckpointToOnnx(checkpoint, model);
  return model;
}
