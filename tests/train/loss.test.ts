import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PLAIN_OPS } from '../../src/model/ops.ts';
import { describeLoss, partWeights, pointsPerClass, segmentationLoss } from '../../src/train/loss.ts';
import { Rng } from '../../src/core/rng.ts';

const CLASSES = 4;
const POINTS = 50;

/** −mean over points of Σ_c target_c · log softmax(logits)_c, written out in plain arithmetic. */
function expectedLoss(logits: number[][], labels: number[], epsilon: number, weights?: number[]): number {
  let sum = 0;
  for (let p = 0; p < logits.length; p++) {
    const row = logits[p]!;
    const top = Math.max(...row);
    const logZ = top + Math.log(row.reduce((s, v) => s + Math.exp(v - top), 0));
    for (let c = 0; c < CLASSES; c++) {
      const target = (c === labels[p] ? 1 - epsilon : 0) + epsilon / CLASSES;
      sum -= (weights?.[labels[p]!] ?? 1) * target * (row[c]! - logZ);
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

  function loss(epsilon: number, classWeights?: number[]): { total: number; crossEntropy: number } {
    return tf.tidy(() => {
      const out = { logits: tf.tensor2d(logits), transforms: [] };
      const parts = segmentationLoss(out, tf.tensor1d(labels, 'int32'), 0.001, PLAIN_OPS, {
        labelSmoothing: epsilon,
        classWeights,
      });
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

  it('weights each point by its part, smoothed or not, and still reports the plain cross-entropy', () => {
    const weights = [0.5, 1, 2, 4];
    const plain = loss(0);
    const weighted = loss(0, weights);
    expect(weighted.total).toBeCloseTo(expectedLoss(logits, labels, 0, weights), 5);
    expect(weighted.crossEntropy).toBeCloseTo(plain.crossEntropy, 6);
    expect(loss(0.2, weights).total).toBeCloseTo(expectedLoss(logits, labels, 0.2, weights), 5);
  });

  it('gives small parts larger weights, with a mean weight of 1 over the points', () => {
    const counts = pointsPerClass([{ labels: Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0, 1]) }], 4);
    expect([...counts]).toEqual([8, 3, 1, 0]);
    const w = partWeights(counts, 0.5);
    expect(w[2]!).toBeGreaterThan(w[1]!);
    expect(w[1]!).toBeGreaterThan(w[0]!);
    expect(w[2]! / w[0]!).toBeCloseTo(Math.sqrt(8), 6);
    expect((8 * w[0]! + 3 * w[1]! + 1 * w[2]!) / 12).toBeCloseTo(1, 6);
    expect(w[3]).toBe(1);
    expect(partWeights(counts, 0)).toEqual([1, 1, 1, 1]);
    expect(describeLoss({ labelSmoothing: 0, classWeights: w }, ['body', 'wing', 'tail', 'engine'])).toBe(
      `loss: part weights body ${w[0]!.toFixed(2)}, wing ${w[1]!.toFixed(2)}, tail ${w[2]!.toFixed(2)}, engine 1.00`,
    );
    expect(describeLoss({ labelSmoothing: 0 }, ['body'])).toBeUndefined();
  });
});
