/**
 * The exported graph computes what the TF.js model computes, on real ShapeNet clouds: at the training point
 * count and at others, batch 1 and 3, with and without in-graph normalisation, fp32 and fp16.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildOnnxModel } from '../../../exporters/onnx/index.ts';
import { normalizeUnitSphere } from '../../../src/core/normalize.ts';
import { loadPreset } from '../../../src/model/preset-files.ts';
import { firstPoints, realClouds, withVariedLabels } from './fixtures.ts';
import { SYNTH_CLASSES, tinyModel } from '../../helpers/tiny-model.ts';
import { compare, runOnnx, runTfjs, type Agreement } from './compare-runtimes.ts';
import { CPU_TOLERANCE, FP16_TOLERANCE } from '../../../src/parity/tolerances.ts';

const { maxAbsDiff: PROB_TOLERANCE, labelAgreement: LABEL_AGREEMENT } = CPU_TOLERANCE;
/** Measured fp16-vs-fp32 gap on ORT CPU: max abs probability difference 5.6e-4 (small preset), 1.9e-4 (keras). */
const { maxAbsDiff: FP16_PROB_TOLERANCE, labelAgreement: FP16_LABEL_AGREEMENT } = FP16_TOLERANCE;
const SHA = 'c'.repeat(64);

const clouds = realClouds();
const smallest = Math.min(...clouds.map((c) => c.points.length / 3));

function expectParity(a: Agreement, label: string): void {
  console.log(
    `${label}: max |Δp| ${a.maxAbsDiff.toExponential(2)}, labels agree ${(a.labelAgreement * 100).toFixed(2)}%`,
  );
  expect(a.maxAbsDiff).toBeLessThanOrEqual(PROB_TOLERANCE);
  expect(a.labelAgreement).toBeGreaterThanOrEqual(LABEL_AGREEMENT);
}

describe('ONNX export matches the TF.js model (small preset)', () => {
  const model = tinyModel({ seed: 11, classes: SYNTH_CLASSES, weights: 'perturbed' });
  let session: ort.InferenceSession;
  let rawSession: ort.InferenceSession;

  beforeAll(async () => {
    expect(clouds.length).toBeGreaterThanOrEqual(4);
    model.weights = await withVariedLabels(model, clouds[3]!.points);
    session = await ort.InferenceSession.create(buildOnnxModel({ ...model, checkpointSha256: SHA }));
    rawSession = await ort.InferenceSession.create(
      buildOnnxModel({ ...model, checkpointSha256: SHA }, { normalize: false }),
    );
  });

  const counts = [model.meta.numPoints, 2400];
  for (const n of counts) {
    for (const batch of [1, 3]) {
      it(`${n} points, batch ${batch}`, async () => {
        const input = clouds.slice(0, batch).map((c) => firstPoints(c.points, n));
        const onnx = await runOnnx(session, input);
        expect(onnx.dims).toEqual([batch, n, SYNTH_CLASSES.names.length]);
        expectParity(compare(onnx, runTfjs(model.architecture, model.weights, input)), `tiny N=${n} B=${batch}`);
      });
    }
  }

  it('every real cloud at its own point count', async () => {
    for (const c of clouds) {
      const onnx = await runOnnx(session, [c.points]);
      expectParity(
        compare(onnx, runTfjs(model.architecture, model.weights, [c.points])),
        `tiny N=${c.points.length / 3} B=1`,
      );
    }
  });

  it('labels output is the argmax of the probabilities output', async () => {
    const onnx = await runOnnx(session, [firstPoints(clouds[0]!.points, 1000)]);
    const classes = SYNTH_CLASSES.names.length;
    for (let p = 0; p < onnx.labels.length; p++) {
      const row = onnx.probabilities.subarray(p * classes, (p + 1) * classes);
      expect(row[onnx.labels[p]!]).toBe(Math.max(...row));
    }
  });

  it('--no-normalize export matches on pre-normalised input, and differs on raw input', async () => {
    const input = clouds.slice(0, 3).map((c) => firstPoints(c.points, smallest));
    const tfjs = runTfjs(model.architecture, model.weights, input);
    expectParity(
      compare(await runOnnx(rawSession, input.map(normalizeUnitSphere)), tfjs),
      `tiny no-normalize N=${smallest} B=3`,
    );
    // Raw ShapeNet coordinates are already roughly unit scale, but not centred: the result must change.
    expect(compare(await runOnnx(rawSession, input), tfjs).maxAbsDiff).toBeGreaterThan(1e-3);
  });

  it('fp16 export stays close to fp32', async () => {
    const half = await ort.InferenceSession.create(buildOnnxModel({ ...model, checkpointSha256: SHA }, { fp16: true }));
    const input = clouds.slice(0, 3).map((c) => firstPoints(c.points, smallest));
    const a = compare(await runOnnx(half, input), await runOnnx(session, input));
    console.log(
      `tiny fp16 vs fp32 N=${smallest} B=3: max |Δp| ${a.maxAbsDiff.toExponential(2)}, labels agree ${(a.labelAgreement * 100).toFixed(2)}%`,
    );
    expect(a.maxAbsDiff).toBeGreaterThan(0); // really half precision, not a copy of the fp32 graph
    expect(a.maxAbsDiff).toBeLessThanOrEqual(FP16_PROB_TOLERANCE);
    expect(a.labelAgreement).toBeGreaterThanOrEqual(FP16_LABEL_AGREEMENT);
  });
});

describe('ONNX export matches the TF.js model (keras preset)', () => {
  const keras = tinyModel({ preset: loadPreset('keras'), seed: 5, classes: SYNTH_CLASSES, weights: 'perturbed' });
  const { architecture, meta } = keras;
  let weights = keras.weights;
  const input = [firstPoints(clouds[0]!.points, 1024)];

  beforeAll(async () => {
    weights = await withVariedLabels({ architecture, weights, meta }, firstPoints(clouds[3]!.points, 1024));
  }, 60_000);

  it('fp32 on one real cloud (1,024 points)', async () => {
    const session = await ort.InferenceSession.create(
      buildOnnxModel({ architecture, weights, meta, checkpointSha256: SHA }),
    );
    expectParity(
      compare(await runOnnx(session, input), runTfjs(architecture, weights, input)),
      'keras fp32 N=1024 B=1',
    );
  }, 60_000);

  it('fp16 vs fp32 on one real cloud', async () => {
    const full = await ort.InferenceSession.create(
      buildOnnxModel({ architecture, weights, meta, checkpointSha256: SHA }),
    );
    const half = await ort.InferenceSession.create(
      buildOnnxModel({ architecture, weights, meta, checkpointSha256: SHA }, { fp16: true }),
    );
    const a = compare(await runOnnx(half, input), await runOnnx(full, input));
    console.log(
      `keras fp16 vs fp32 N=1024 B=1: max |Δp| ${a.maxAbsDiff.toExponential(2)}, labels agree ${(a.labelAgreement * 100).toFixed(2)}%`,
    );
    expect(a.maxAbsDiff).toBeLessThanOrEqual(FP16_PROB_TOLERANCE);
    expect(a.labelAgreement).toBeGreaterThanOrEqual(FP16_LABEL_AGREEMENT);
  }, 60_000);
});
