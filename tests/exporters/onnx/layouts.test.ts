/**
 * Both activation layouts compute the same network, and the in-graph normalisation survives coordinates up to
 * float32's range: a cloud scaled up to ~3e38 gets the labels of the same cloud scaled down.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildOnnxModel, GRAPH_LAYOUTS } from '../../../exporters/onnx/index.ts';
import { synthAirplane } from '../../../src/data/synth.ts';
import { Rng } from '../../../src/core/rng.ts';
import { withVariedLabels } from './fixtures.ts';
import { SYNTH_CLASSES, tinyModel } from '../../helpers/tiny-model.ts';
import { compare, runOnnx } from './compare-runtimes.ts';

const SHA = 'd'.repeat(64);
const FLOAT32_MAX = 3.4028234663852886e38;

const cloudA = synthAirplane(new Rng(5), 'a').points;
const cloudB = synthAirplane(new Rng(6), 'b').points.slice(0, cloudA.length);

function scaled(cloud: Float32Array, factor: number): Float32Array {
  return Float32Array.from(cloud, (v) => v * factor);
}

function maxAbs(cloud: Float32Array): number {
  return cloud.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

describe('graph layouts and overflow-safe normalisation', () => {
  const model = tinyModel({ seed: 21, classes: SYNTH_CLASSES, weights: 'perturbed' });
  const sessions = new Map<string, ort.InferenceSession>();

  beforeAll(async () => {
    model.weights = await withVariedLabels(model, cloudA);
    for (const layout of GRAPH_LAYOUTS) {
      for (const fp16 of [false, true]) {
        const bytes = buildOnnxModel({ ...model, checkpointSha256: SHA }, { layout, fp16 });
        sessions.set(`${layout}/${fp16}`, await ort.InferenceSession.create(bytes));
      }
    }
  });

  for (const fp16 of [false, true]) {
    it(`channel-first and channel-last give the same outputs (${fp16 ? 'fp16' : 'fp32'}, batch 2)`, async () => {
      const [a, b] = GRAPH_LAYOUTS.map((l) => runOnnx(sessions.get(`${l}/${fp16}`)!, [cloudA, cloudB]));
      const agreement = compare(await a!, await b!);
      expect(agreement.maxAbsDiff).toBeLessThanOrEqual(fp16 ? 2e-3 : 1e-5);
      expect(agreement.labelAgreement).toBeGreaterThanOrEqual(fp16 ? 0.99 : 0.999);
    });
  }

  for (const layout of GRAPH_LAYOUTS) {
    it(`${layout}: huge coordinates (up to float32's maximum) give the labels of the cloud scaled down`, async () => {
      const session = sessions.get(`${layout}/false`)!;
      const reference = await runOnnx(session, [scaled(cloudA, 1e-3)]);
      // Labels must vary over the cloud, or agreeing on them would prove nothing.
      expect(new Set(reference.labels).size).toBeGreaterThan(1);
      const largest = (0.99 * FLOAT32_MAX) / maxAbs(cloudA);
      for (const factor of [1, 1e19, 1e30, largest]) {
        const big = scaled(cloudA, factor);
        expect(big.every(Number.isFinite)).toBe(true);
        const agreement = compare(await runOnnx(session, [big]), reference);
        expect(agreement.maxAbsDiff, `×${factor.toExponential(1)}`).toBeLessThanOrEqual(1e-4);
        expect(agreement.labelAgreement, `×${factor.toExponential(1)}`).toBe(1);
      }
    });
  }

  it('a cloud of zeros and a cloud of identical points give finite probabilities', async () => {
    const session = sessions.get('channels-first/false')!;
    for (const cloud of [new Float32Array(300), new Float32Array(300).fill(1e38)]) {
      const out = await runOnnx(session, [cloud]);
      expect(out.probabilities.every(Number.isFinite)).toBe(true);
    }
  });
});
