/** Models for exporter tests, made in code: tiny presets, metadata and weights with non-trivial batch norm. */
import { readFileSync, readdirSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { buildOnnxModel } from '../../../exporters/onnx/index.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../../src/core/rng.ts';
import {
  initialWeights,
  modelLayout,
  type ModelLayout,
  type PresetSpec,
  type WeightMap,
} from '../../../src/model/spec.ts';
import type { CheckpointMeta } from '../../../src/checkpoint/format.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const CLASS_NAMES = ['wing', 'body', 'tail', 'engine', 'none'];
export const CLASS_COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#808080'];

/** Same topology as keras, widths small enough for fast tests. */
export const TINY_PRESET: PresetSpec = {
  name: 'tiny-test',
  inputTnet: { conv: [8, 16, 32], dense: [16, 8] },
  features: [8, 16, 12],
  featureTnet: { conv: [8, 16, 32], dense: [16, 8] },
  features2: [24, 48],
  segHidden: 16,
  batchNorm: { epsilon: 0.001, momentum: 0.9 },
  orthoWeight: 0.001,
};

export function testMeta(preset: PresetSpec, numPoints = 1024): CheckpointMeta {
  return {
    pnetVersion: '0.1.0',
    preset,
    classes: { names: [...CLASS_NAMES], colors: [...CLASS_COLORS] },
    category: ['Airplane'],
    numPoints,
    normalization: 'unit-sphere',
    epoch: 3,
    step: 120,
    config: { batchSize: 4 },
    metrics: { val_miou: 0.5, train_loss: 1.25, val_accuracy: 0.75 },
    state: {},
  };
}

/**
 * Initial weights with every bias, BN statistic and T-Net final layer moved off its init value, so that
 * folding, bias handling and the transforms are all exercised (zeros and unit BN would hide mistakes).
 */
export function perturbedWeights(layout: ModelLayout, seed: number): WeightMap {
  const weights = initialWeights(layout, seed);
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
  return weights;
}

/**
 * Glorot-initialised nets give one label almost everywhere (a large per-class constant in the logits), which
 * would make label agreement meaningless. Sharpen the head, then shift its bias by the mean log-probability
 * of each class over a real cloud (run through the exported model), so every class wins somewhere.
 */
export async function withVariedLabels(
  model: { layout: ModelLayout; weights: WeightMap; meta: CheckpointMeta },
  cloud: Float32Array,
): Promise<WeightMap> {
  const { layout } = model;
  const weights: WeightMap = new Map([...model.weights].map(([k, w]) => [k, { ...w, data: w.data.slice() }]));
  const head = weights.get(`${layout.headPrefix}/kernel`)!.data;
  for (let i = 0; i < head.length; i++) head[i]! *= 4;
  const session = await ort.InferenceSession.create(
    buildOnnxModel({ ...model, weights, checkpointSha256: '0'.repeat(64) }),
  );
  const n = cloud.length / 3;
  const out = await session.run({ points: new ort.Tensor('float32', cloud, [1, n, 3]) });
  const probs = out.probabilities!.data as Float32Array;
  const classes = layout.numClasses;
  const bias = weights.get(`${layout.headPrefix}/bias`)!.data;
  for (let c = 0; c < classes; c++) {
    let meanLog = 0;
    for (let p = 0; p < n; p++) meanLog += Math.log(Math.max(probs[p * classes + c]!, 1e-30)) / n;
    bias[c]! -= meanLog;
  }
  await session.release();
  return weights;
}

export function tinyModel(seed = 7): { layout: ModelLayout; weights: WeightMap; meta: CheckpointMeta } {
  const layout = modelLayout(TINY_PRESET, CLASS_NAMES.length);
  return { layout, weights: perturbedWeights(layout, seed), meta: testMeta(TINY_PRESET) };
}

export const SHAPENET_DIR = path.resolve(
  repoRoot,
  'tests/fixtures/shapenetcore_partanno_segmentation_benchmark_v0_normal',
);

/** xyz of every real cloud in the shared sample (`x y z nx ny nz part` per line), sorted by path. */
export function realClouds(): Array<{ file: string; points: Float32Array }> {
  const out: Array<{ file: string; points: Float32Array }> = [];
  for (const synset of readdirSync(SHAPENET_DIR)
    .filter((d) => /^\d+$/.test(d))
    .sort()) {
    for (const f of readdirSync(path.join(SHAPENET_DIR, synset))
      .filter((f) => f.endsWith('.txt'))
      .sort()) {
      const file = path.join(SHAPENET_DIR, synset, f);
      const xyz: number[] = [];
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const v = line.trim().split(/\s+/);
        if (v.length < 3 || v[0] === '') continue;
        xyz.push(Number(v[0]), Number(v[1]), Number(v[2]));
      }
      out.push({ file, points: new Float32Array(xyz) });
    }
  }
  return out;
}

/** The first `n` points of a cloud (the files have ~2,500–2,900, so any n up to that is real data). */
export function firstPoints(points: Float32Array, n: number): Float32Array {
  if (points.length < n * 3) throw new Error(`cloud has ${points.length / 3} points, ${n} requested`);
  return points.slice(0, n * 3);
}
