/**
 * The parity matrix end to end on a narrow model: real clouds (synthetic when the shared sample is absent) through
 * TF.js cpu + wasm, onnxruntime-node, onnxruntime-web in Node and, when Chromium starts, WebGPU + WASM in a page.
 * A model exported from slightly different weights must be reported as failing, so the check can fail.
 */
import { REAL_NORMAL } from '../paths.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnnxModel } from '../../exporters/onnx/index.ts';
import { chromiumProblem } from '../../src/browser/chromium.ts';
import { writeCheckpoint } from '../../src/checkpoint/files.ts';
import type { WeightMap } from '../../src/model/spec.ts';
import {
  datasetParityClouds,
  formatParityTable,
  parityPassed,
  randomWeightModel,
  runParity,
  type InMemoryModel,
  type ParityCloud,
  type ParityRow,
} from '../../src/parity/index.ts';
import { NARROW_PRESET } from '../fixtures/presets.ts';

const NARROW = NARROW_PRESET;

const ORT_ROWS = ['onnxruntime-node cpu', 'onnxruntime-web wasm (Node)'];
const BROWSER_ROWS = ['onnxruntime-web webgpu (Chromium)', 'onnxruntime-web wasm (Chromium)'];

const browserProblem = await chromiumProblem();
if (browserProblem) console.warn(`parity test: browser rows skipped: ${browserProblem}`);

function copyWeights(weights: WeightMap): WeightMap {
  return new Map(
    [...weights].map(([name, w]) => [name, { ...w, shape: [...w.shape], data: Float32Array.from(w.data) }]),
  );
}

function row(rows: ParityRow[], runtime: string): ParityRow {
  const r = rows.find((x) => x.runtime === runtime);
  expect(r, `row ${runtime}`).toBeDefined();
  return r!;
}

describe('runParity', () => {
  let dir: string;
  let checkpoint: string;
  let broken: string;
  let model: InMemoryModel;
  let clouds: ParityCloud[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pnet-parity-test-'));
    clouds = datasetParityClouds(REAL_NORMAL, 2);
    model = await randomWeightModel({ preset: NARROW, classes: 4, seed: 5 });
    checkpoint = join(dir, 'narrow.ckpt');
    await writeCheckpoint(checkpoint, { meta: model.meta, tensors: [...model.weights.values()] });
    // One bias of the head shifted by 0.05: probabilities move by ~1e-2, far outside the 1e-4 bound.
    const perturbed = copyWeights(model.weights);
    perturbed.get('seg/head/bias')!.data[0]! += 0.05;
    broken = join(dir, 'broken.onnx');
    await writeFile(broken, buildOnnxModel({ ...model, weights: perturbed, checkpointSha256: '0'.repeat(64) }));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('every runtime present matches TF.js within tolerance', async () => {
    const rows = await runParity({
      checkpoint,
      clouds,
      tfBackends: ['cpu', 'wasm'],
      browser: browserProblem === undefined,
    });
    console.log(formatParityTable(rows));
    const reference = row(rows, 'TF.js cpu');
    expect(reference.status).toBe('reference');
    // The comparison means something only if the reference labels vary over the points.
    expect(reference.note).toMatch(/[2-4] of 4 classes predicted/);
    for (const runtime of ['TF.js wasm', ...ORT_ROWS]) {
      const r = row(rows, runtime);
      expect(r.status, `${runtime}: ${r.note}`).toBe('pass');
      expect(r.maxAbsDiff!).toBeLessThanOrEqual(1e-4);
      expect(r.labelAgreement!).toBeGreaterThanOrEqual(0.999);
      expect(r.msPerCloud!).toBeGreaterThan(0);
    }
    const cuda = row(rows, 'onnxruntime-node cuda');
    expect(['pass', 'skipped']).toContain(cuda.status);
    if (cuda.status === 'skipped') expect(cuda.note!.length).toBeGreaterThan(10);
    for (const runtime of BROWSER_ROWS) {
      const r = row(rows, runtime);
      if (browserProblem) expect(r.status).toBe('skipped');
      else expect(r.status, `${runtime}: ${r.note}`).toBe('pass');
    }
    expect(rows.filter((r) => r.status === 'fail')).toEqual([]);
    expect(parityPassed(rows)).toBe(true);
  });

  it('reports an export of different weights as failing', async () => {
    const rows = await runParity({ checkpoint, model: broken, clouds, tfBackends: ['cpu'], browser: false });
    console.log(formatParityTable(rows));
    for (const runtime of ORT_ROWS) {
      const r = row(rows, runtime);
      expect(r.status).toBe('fail');
      expect(r.maxAbsDiff!).toBeGreaterThan(1e-3);
    }
    for (const runtime of BROWSER_ROWS) expect(row(rows, runtime).status).toBe('skipped');
    expect(parityPassed(rows)).toBe(false);
    expect(formatParityTable(rows)).toContain('**FAIL**');
  });
});
