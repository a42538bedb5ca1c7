/** Checkpoint → .onnx through the programmatic API and through `pnet export`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describeOnnx, exportCheckpointToOnnx } from '../../../exporters/onnx/index.ts';
import { checkpointHash } from '../../../src/checkpoint/format.ts';
import { writeCheckpoint } from '../../../src/checkpoint/files.ts';
import { runPnet } from '../../helpers/run-cli.ts';
import { isPnetError } from '../../../src/core/errors.ts';
import { SYNTH_CLASSES, tinyCheckpoint, tinyModel } from '../../helpers/tiny-model.ts';

let dir: string;
let ckpt: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnet-export-'));
  const m = tinyModel({ seed: 9, classes: SYNTH_CLASSES, weights: 'perturbed' });
  ckpt = path.join(dir, 'run', 'last.ckpt');
  const optimizerSlot = { name: 'optimizer/seg/head/kernel/m', shape: [2], data: new Float32Array([1, 2]) };
  await writeCheckpoint(ckpt, { meta: m.meta, tensors: [...m.weights.values(), optimizerSlot] });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('exportCheckpointToOnnx', () => {
  it('writes a loadable model, reports it, records the checkpoint hash, and is byte-identical when repeated', async () => {
    const a = path.join(dir, 'a.onnx');
    const b = path.join(dir, 'b.onnx');
    const report = await exportCheckpointToOnnx(ckpt, a);
    await exportCheckpointToOnnx(ckpt, b);
    const bytes = await readFile(a);
    expect(Buffer.compare(bytes, await readFile(b))).toBe(0);
    expect(report.path).toBe(a);
    expect(report.bytes).toBe(bytes.length);
    expect(report.opCounts.Conv).toBeGreaterThan(10);
    expect(report.flopsPerPoint).toBeGreaterThan(0);
    expect(report.metadata['pnet.checkpoint_sha256']).toBe(await checkpointHash(await readFile(ckpt)));
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['points']);
    expect(session.outputNames).toEqual(['probabilities', 'labels']);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects a damaged checkpoint with BAD_CHECKPOINT', async () => {
    const bad = path.join(dir, 'bad.ckpt');
    const bytes = await readFile(ckpt);
    await writeFile(bad, bytes.subarray(0, bytes.length - 10));
    const error = await exportCheckpointToOnnx(bad, path.join(dir, 'bad.onnx')).catch((e: unknown) => e);
    expect(isPnetError(error) && error.code).toBe('BAD_CHECKPOINT');
  });
});

describe('pnet export', () => {
  it('exports a run directory (falling back to last.ckpt) with --fp16 --no-normalize and prints a summary', async () => {
    const out = path.join(dir, 'cli', 'model.onnx');
    const r = await runPnet('export', path.join(dir, 'run'), '--onnx', out, '--fp16', '--no-normalize');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${out}`);
    expect(r.stdout).toMatch(/MFLOP per point/);
    expect(r.stdout).toMatch(/MatMul \d+/);
    expect(r.stdout).toContain(path.join(dir, 'run', 'last.ckpt'));
    const d = describeOnnx(await readFile(out));
    expect(d.metadata['pnet.normalization']).toBe('none');
    expect(d.metadata['pnet.precision']).toBe('float16');
  });

  it('prefers best.ckpt and defaults the output next to the run', async () => {
    const run = path.join(dir, 'run2');
    await tinyCheckpoint(path.join(run, 'best.ckpt'), { seed: 10, classes: SYNTH_CLASSES, weights: 'perturbed' });
    await writeFile(path.join(run, 'last.ckpt'), 'not a checkpoint');
    const r = await runPnet('export', run, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { path: string; checkpoint: string };
    expect(report.path).toBe(path.join(run, 'model.onnx'));
    expect(report.checkpoint).toBe(path.join(run, 'best.ckpt'));
  });

  it('fails with NOT_FOUND for a missing run directory', async () => {
    const r = await runPnet('export', path.join(dir, 'nope'), '--onnx', path.join(dir, 'x.onnx'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nope: no such run directory or checkpoint/);
  });
});
