/**
 * A deterministic random-weight PointNet for checks that need no trained model (parity on a fresh clone, timing).
 * Plain initial weights give near-uniform, point-independent outputs that would hide a broken kernel, so batch
 * norm statistics, biases and T-Net outputs are perturbed with the seeded Rng and the head is sharpened until the
 * labels vary across each cloud.
 */
import type { CheckpointMeta } from '../checkpoint/format.ts';
import { initialWeights, loadPreset, modelLayout, type ModelLayout, type PresetSpec, type WeightMap } from '../model/spec.ts';
import { Rng } from '../rng.ts';
import { PNET_VERSION } from '../version.ts';

export interface InMemoryModel {
  layout: ModelLayout;
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
}

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];
/** Enough to spread the logits of random features over a few units, so softmax is neither flat nor one-hot. */
const HEAD_GAIN = 4;

export function randomWeightModel(options: RandomModelOptions = {}): InMemoryModel {
  const preset = typeof options.preset === 'object' ? options.preset : loadPreset(options.preset ?? 'lite');
  const classes = options.classes ?? 4;
  const seed = options.seed ?? 1;
  const layout = modelLayout(preset, classes);
  const weights = initialWeights(layout, seed);
  const rng = new Rng(seed + 1);
  for (const [name, w] of weights) {
    const d = w.data;
    if (name.endsWith('/bn/gamma')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(0.7, 1.3);
    // A positive shift keeps most ReLUs open; otherwise random features die and every point gets the same label.
    else if (name.endsWith('/bn/beta')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(0.05, 0.3);
    else if (name.endsWith('/bn/moving_mean')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-0.1, 0.1);
    else if (name.endsWith('/bn/moving_variance')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(0.5, 1.5);
    else if (name.endsWith('/final/kernel')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-0.01, 0.01);
    else if (name.endsWith('/bias') && !name.endsWith('/final/bias')) for (let i = 0; i < d.length; i++) d[i] = 0.1 * rng.normal();
  }
  const head = weights.get(`${layout.headPrefix}/kernel`)!.data;
  for (let i = 0; i < head.length; i++) head[i] = head[i]! * HEAD_GAIN;
  const names = Array.from({ length: classes }, (_, i) => `part${i}`);
  const meta: CheckpointMeta = {
    pnetVersion: PNET_VERSION,
    preset,
    classes: { names, colors: names.map((_, i) => PALETTE[i % PALETTE.length]!) },
    category: ['Random'],
    numPoints: 2048,
    normalization: 'unit-sphere',
    epoch: 0,
    step: 0,
    config: { randomWeights: true, seed },
    metrics: {},
    state: {},
  };
  return { layout, weights, meta };
}
