/**
 * A deterministic random-weight PointNet for checks that need no trained model (parity on a fresh clone, timing).
 * Plain initial weights give near-uniform, point-independent outputs that would hide a broken kernel, so batch
 * norm statistics, biases and T-Net outputs are perturbed with the seeded Rng; then the head is calibrated on a few
 * synthetic clouds (one onnxruntime-node run) so that every class wins on some points and the softmax is neither
 * flat nor one-hot.
 */
import { describeModel } from '../checkpoint/meta.ts';
import ort from 'onnxruntime-node';
import { buildOnnxModel } from '../../exporters/onnx/index.ts';
import { syntheticParityClouds } from './clouds.ts';
import type { CheckpointMeta } from '../checkpoint/format.ts';
import {
  initialWeights,
  modelArchitecture,
  type ModelArchitecture,
  type PresetSpec,
  type WeightMap,
} from '../model/spec.ts';
import { loadPreset } from '../model/preset-files.ts';
import { Rng } from '../core/rng.ts';
import { toHexColor } from '../core/colors.ts';
import { TENSOR_NAMES } from '../core/contract.ts';

export interface InMemoryModel {
  architecture: ModelArchitecture;
  weights: WeightMap;
  meta: CheckpointMeta;
}

export interface RandomModelOptions {
  /** Preset name (models/<name>.json) or a spec; default `lite`. */
  preset?: string | PresetSpec;
  /** Default 4. */
  classes?: number;
  /** Default 1. */
  seed?: number;
  /** Recorded in the metadata (the export's FLOP count is per cloud of this size); default 2048. */
  numPoints?: number;
}

/** Standard deviation of the per-point logit differences after calibration: clear winners, yet soft. */
const TARGET_LOGIT_SPREAD = 1.5;
const CALIBRATION_CLOUDS = 3;
const CALIBRATION_POINTS = 1024;
/** Log-probability range above which the softmax counts as saturated (p ≈ 1e-13 is still read accurately). */
const SATURATED_RANGE = 30;

export async function randomWeightModel(options: RandomModelOptions = {}): Promise<InMemoryModel> {
  const preset = typeof options.preset === 'object' ? options.preset : loadPreset(options.preset ?? 'lite');
  const classes = options.classes ?? 4;
  const seed = options.seed ?? 1;
  const architecture = modelArchitecture(preset, classes);
  const weights = initialWeights(architecture, seed);
  const rng = new Rng(seed + 1);
  for (const [name, w] of weights) {
    const d = w.data;
    if (name.endsWith('/bn/gamma')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(0.7, 1.3);
    // A positive shift keeps most ReLUs open; otherwise random features die and every point gets the same label.
    else if (name.endsWith('/bn/beta')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(0.05, 0.3);
    else if (name.endsWith('/bn/moving_mean')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-0.1, 0.1);
    else if (name.endsWith('/bn/moving_variance')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(0.5, 1.5);
    else if (name.endsWith('/final/kernel')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-0.01, 0.01);
    else if (name.endsWith('/bias') && !name.endsWith('/final/bias'))
      for (let i = 0; i < d.length; i++) d[i] = 0.1 * rng.normal();
  }
  const names = Array.from({ length: classes }, (_, i) => `part${i}`);
  const meta = describeModel({
    preset,
    classes: { names, colors: names.map((_, i) => toHexColor(undefined, i)) },
    category: ['Random'],
    numPoints: options.numPoints ?? 2048,
    config: { randomWeights: true, seed },
  });
  const model = { architecture, weights, meta };
  await calibrateHead(model);
  return model;
}

/**
 * Random features share a large per-class offset that makes one or two classes win everywhere. From log p of a few
 * runs (the logits up to a per-point constant), the head's bias is shifted so each class's mean logit is equal, and
 * kernel and bias are scaled so the per-point spread of the logits is TARGET_LOGIT_SPREAD.
 */
async function calibrateHead(model: InMemoryModel): Promise<void> {
  const classes = model.architecture.numClasses;
  const kernel = model.weights.get(`${model.architecture.headPrefix}/kernel`)!.data;
  const bias = model.weights.get(`${model.architecture.headPrefix}/bias`)!.data;
  const original = { kernel: Float32Array.from(kernel), bias: Float32Array.from(bias) };
  const clouds = syntheticParityClouds(CALIBRATION_CLOUDS, 97).map((c) =>
    Float32Array.from(c.xyz.subarray(0, CALIBRATION_POINTS * 3)),
  );
  // Saturated probabilities hide the logits: shrink the head until the softmax is soft enough to read them back.
  let scale = 1;
  let logits: Float64Array | undefined;
  for (let attempt = 0; attempt < 8 && !logits; attempt++, scale /= 100) {
    for (let i = 0; i < kernel.length; i++) kernel[i] = original.kernel[i]! * scale;
    for (let c = 0; c < classes; c++) bias[c] = original.bias[c]! * scale;
    const logP = await logProbabilities(model, clouds);
    let range = 0;
    for (let r = 0; r < logP.length / classes; r++) {
      const row = logP.subarray(r * classes, (r + 1) * classes);
      range = Math.max(range, Math.max(...row) - Math.min(...row));
    }
    if (Number.isFinite(range) && range < SATURATED_RANGE) logits = logP.map((v) => v / scale);
  }
  if (!logits) {
    kernel.set(original.kernel);
    bias.set(original.bias);
    return;
  }
  const rows = logits.length / classes;
  const classMean = new Float64Array(classes);
  for (let i = 0; i < logits.length; i++) classMean[i % classes]! += logits[i]! / rows;
  let sq = 0;
  for (let r = 0; r < rows; r++) {
    let rowMean = 0;
    for (let c = 0; c < classes; c++) rowMean += (logits[r * classes + c]! - classMean[c]!) / classes;
    for (let c = 0; c < classes; c++) sq += (logits[r * classes + c]! - classMean[c]! - rowMean) ** 2;
  }
  const spread = Math.sqrt(sq / logits.length);
  const gain = spread > 0 ? TARGET_LOGIT_SPREAD / spread : 1;
  for (let i = 0; i < kernel.length; i++) kernel[i] = original.kernel[i]! * gain;
  for (let c = 0; c < classes; c++) bias[c] = gain * (original.bias[c]! - classMean[c]!);
}

async function logProbabilities(model: InMemoryModel, clouds: Float32Array[]): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(buildOnnxModel({ ...model, checkpointSha256: '0'.repeat(64) }), {
    executionProviders: ['cpu'],
  });
  const classes = model.architecture.numClasses;
  const out = new Float64Array(clouds.length * CALIBRATION_POINTS * classes);
  try {
    for (const [k, xyz] of clouds.entries()) {
      const result = await session.run({
        [TENSOR_NAMES.points]: new ort.Tensor('float32', xyz, [1, CALIBRATION_POINTS, 3]),
      });
      const p = result[TENSOR_NAMES.probabilities]!.data as Float32Array;
      for (let i = 0; i < p.length; i++) out[k * p.length + i] = Math.log(p[i]!);
    }
  } finally {
    await session.release();
  }
  return out;
}
