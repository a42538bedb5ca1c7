/** `pnet export --fp16` measures the half-precision export against fp32 and reports it (warning outside tolerance). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeCheckpoint } from '../../../src/checkpoint/files.ts';
import { FP16_TOLERANCE } from '../../../src/parity/tolerances.ts';
import { SYNTH_CLASSES, tinyCheckpoint } from '../../helpers/tiny-model.ts';
import { runPnet } from '../../helpers/run-cli.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnet-export-fp16-'));
  const m = await tinyCheckpoint(path.join(dir, 'good.ckpt'), {
    seed: 14,
    classes: SYNTH_CLASSES,
    weights: 'perturbed',
  });
  // Seg-head weights beyond float16's range (65504) become infinities in the fp16 graph: far outside tolerance.
  const head = m.weights.get(`${m.architecture.headPrefix}/kernel`)!;
  head.data = head.data.map((v) => v * 1e6);
  await writeCheckpoint(path.join(dir, 'overflow.ckpt'), { meta: m.meta, tensors: [...m.weights.values()] });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Parity {
  clouds: number;
  points: number;
  maxAbsDiff: number;
  labelAgreement: number;
  withinTolerance: boolean;
}

describe('pnet export --fp16 parity', () => {
  it('prints the fp16-vs-fp32 gap on synthetic airplanes with the documented tolerance', async () => {
    const r = await runPnet('export', path.join(dir, 'good.ckpt'), '--onnx', path.join(dir, 'good.onnx'), '--fp16');
    expect(r.code).toBe(0);
    const line =
      /fp16 vs fp32 on 3 synthetic airplanes \((\d+) points, onnxruntime CPU\): max \|Δp\| (\S+), labels agree (\S+)% \(tolerance: max \|Δp\| ≤ 2e-3, labels ≥ 99%\)/.exec(
        r.stdout,
      );
    expect(line, r.stdout).not.toBeNull();
    expect(Number(line![1])).toBeGreaterThan(3 * 1800);
    const maxAbsDiff = Number(line![2]);
    expect(maxAbsDiff).toBeGreaterThan(0); // the two graphs really differ in precision
    expect(maxAbsDiff).toBeLessThanOrEqual(FP16_TOLERANCE.maxAbsDiff);
    expect(Number(line![3])).toBeGreaterThanOrEqual(FP16_TOLERANCE.labelAgreement * 100);
    expect(r.stderr).toBe('');
  });

  it('reports the gap in --json and warns when it is outside the tolerance', async () => {
    const r = await runPnet(
      'export',
      path.join(dir, 'overflow.ckpt'),
      '--onnx',
      path.join(dir, 'overflow.onnx'),
      '--fp16',
      '--json',
    );
    expect(r.code).toBe(0);
    const parity = (JSON.parse(r.stdout) as { fp16Parity: Parity }).fp16Parity;
    expect(parity.clouds).toBe(3);
    expect(parity.withinTolerance).toBe(false);
    expect(r.stderr).toMatch(/^warning: this fp16 export is outside the documented tolerance/);
  });

  it('does not run without --fp16', async () => {
    const r = await runPnet('export', path.join(dir, 'good.ckpt'), '--onnx', path.join(dir, 'fp32.onnx'));
    expect(r.stdout).not.toMatch(/fp16 vs fp32/);
  });
});
