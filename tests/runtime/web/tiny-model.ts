/**
 * A tiny pnet model built in memory for browser tests: the real exporter over a narrow preset, with seeded random
 * weights (batch-norm statistics included) so the outputs are far from uniform and a wrong kernel shows.
 */
import { describeModel } from '../../../src/checkpoint/meta.ts';
import { buildOnnxModel } from '../../../exporters/onnx/index.ts';
import { initialWeights, modelLayout } from '../../../src/model/spec.ts';
import { NARROW_PRESET } from '../../fixtures/presets.ts';
import { Rng } from '../../../src/core/rng.ts';

export const TINY_PRESET = NARROW_PRESET;

export const TINY_CLASSES = {
  names: ['top', 'leg', 'support', 'none'],
  colors: ['#5eead4', '#818cf8', '#f472b6', '#94a3b8'],
};

const HEAD_GAIN = 2;

export function buildTinyModel(seed = 7): Uint8Array {
  const layout = modelLayout(TINY_PRESET, TINY_CLASSES.names.length);
  const weights = initialWeights(layout, seed);
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
  const meta = describeModel({
    preset: TINY_PRESET,
    classes: TINY_CLASSES,
    category: ['Table'],
    numPoints: 1024,
    metrics: { val_miou: 0.5 },
  });
  return buildOnnxModel({ layout, weights, meta, checkpointSha256: '0'.repeat(64) });
}
