import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PLAIN_OPS } from '../../src/model/ops.ts';
import { segmentationLoss } from '../../src/train/loss.ts';
import { Rng } from '../../src/core/rng.ts';

const CLASSES = 4;
const POINTS = 50;

/** −mean over points of Σ_c target_c · log softmax(logits)_c, written out in plain arithmetic. */
function expectedLoss(logits: number[][], labels: number[], epsilon: number): number {
  let sum = 0;
  for (let p = 0; p < logits.length; p++) {
    const row = logits[p]!;
    const top = Math.max(...row);
    const logZ = top + Math.log(row.reduce((s, v) => s + Math.exp(v - top), 0));
    for (let c = 0; c < CLASSES; c++) {
      const target = (c === labels[p] ? 1 - epsilon : 0) + epsilon / CLASSES;
      sum -= target * (row[c]! - logZ);
    }
  }
  return sum / logits.length;
}

describe('segmentation loss', () => {
  const rng = new Rng(5);
  const logits = Array.from({ length: POINTS }, () => Array.from({ length: CLASSES }, () => rng.uniform(-3, 3)));
  const labels = Array.from({ length: POINTS }, () => rng.int(CLASSES));

  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  function loss(epsilon: number): { total: number; crossEntropy: number } {
    return tf.tidy(() => {
      const out = { logits: tf.tensor2d(logits), transforms: [] };
      const parts = segmentationLoss(out, tf.tensor1d(labels, 'int32'), 0.001, PLAIN_OPS, { labelSmoothing: epsilon });
      return { total: parts.total.dataSync()[0]!, crossEntropy: parts.crossEntropy.dataSync()[0]! };
    });
  }

  it('trains against smoothed targets and still reports the plain cross-entropy', () => {
    const plain = loss(0);
    expect(plain.total).toBeCloseTo(expectedLoss(logits, labels, 0), 5);
    expect(plain.crossEntropy).toBe(plain.total);
    const smoothed = loss(0.1);
    expect(smoothed.total).toBeCloseTo(expectedLoss(logits, labels, 0.1), 5);
    expect(smoothed.crossEntropy).toBeCloseTo(plain.crossEntropy, 6);
    expect(Math.abs(smoothed.total - plain.total)).toBeGreaterThan(1e-3);
  });
});
