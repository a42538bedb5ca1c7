/** A tiny pnet model exported by the real exporter (narrow widths, seeded weights), for fast runtime tests. */
import { describeModel } from '../../../src/checkpoint/meta.ts';
import { buildOnnxModel } from '../../../exporters/onnx/index.ts';
import { initialWeights, modelLayout, type PresetSpec } from '../../../src/model/spec.ts';
import type { CheckpointMeta } from '../../../src/checkpoint/format.ts';

export const TINY_PRESET: PresetSpec = {
  name: 'tiny',
  inputTnet: { conv: [8, 8, 16], dense: [16, 8] },
  features: [8, 8, 8],
  featureTnet: { conv: [8, 8, 16], dense: [16, 8] },
  features2: [16, 32],
  segHidden: 16,
  batchNorm: { epsilon: 0.001, momentum: 0.9 },
  orthoWeight: 0.001,
};

export const TINY_CLASSES = ['body', 'wing', 'tail', 'engine'];
export const TINY_COLORS = ['#4363d8', '#e6194b', '#3cb44b', '#f032e6'];

export function tinyMeta(preset: PresetSpec = TINY_PRESET): CheckpointMeta {
  return describeModel({
    preset,
    classes: { names: TINY_CLASSES, colors: TINY_COLORS },
    category: ['Airplane'],
    numPoints: 256,
    epoch: 1,
    step: 10,
    metrics: { val_miou: 0.25 },
  });
}

/** Seeded weights; the glorot init gives different labels across points, so tests see more than one class. */
export function tinyPnetModel(seed = 7, preset: PresetSpec = TINY_PRESET): Uint8Array {
  const layout = modelLayout(preset, TINY_CLASSES.length);
  return buildOnnxModel({
    layout,
    weights: initialWeights(layout, seed),
    meta: tinyMeta(preset),
    checkpointSha256: 'ab'.repeat(32),
  });
}
