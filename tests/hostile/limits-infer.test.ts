/**
 * Clouds that are too much for ONNX Runtime: a failure inside ORT's run (out of memory, as a 1M-point cloud gives)
 * names the cloud and the model and fails that cloud alone (exit 2, the others written); clouds over the bound on
 * points (`--max-points`, 100,000 by default) are refused before they take any memory.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPts } from '../../src/core/formats/pts.ts';
import { linearPnetModel, type LinearModelOptions } from '../runtime/node/onnx-fixtures.ts';
import { expectCleanFailure, expectUnchanged, pnet, snapshot } from './harness.ts';

let dir: string;
let clouds: string;
let big: string;
let small: string;
const base: LinearModelOptions = {
  weights: Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
  classes: ['a', 'b', 'c'],
  colors: ['#ff0000', '#00ff00', '#0000ff'],
};

function cloudOf(points: number): Float32Array {
  return Float32Array.from({ length: points * 3 }, (_, i) => Math.round(Math.sin(i * 1.7) * 1000) / 1000);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-hostile-limits-'));
  clouds = join(dir, 'clouds');
  await mkdir(clouds);
  small = join(clouds, 'small.pts');
  big = join(clouds, 'big.pts');
  await writeFile(small, formatPts(cloudOf(50)));
  await writeFile(big, formatPts(cloudOf(200)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function model(name: string, options: Partial<LinearModelOptions> = {}): Promise<string> {
  const file = join(dir, `${name}.onnx`);
  await writeFile(file, linearPnetModel({ ...base, ...options }));
  return file;
}

describe('hostile limits: clouds too large for ONNX Runtime', () => {
  for (const workers of ['1', '2']) {
    it(`an ONNX Runtime failure while running a cloud names the cloud and the model (--workers ${workers})`, async () => {
      const m = await model(`fails-above-100-${workers}`, { failAbovePoints: 100 });
      const out = join(dir, `out-run-failed-${workers}`);
      const before = await snapshot(clouds);
      const r = await pnet('infer', m, clouds, '--out', out, '--workers', workers);
      expectCleanFailure(r, {
        code: 2,
        file: big,
        message: new RegExp(
          `onnxruntime failed on a cloud of 200 points \\(model ${m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): .*Failed to allocate`,
        ),
      });
      expect(r.stderr).toMatch(/fix: subsample the cloud/);
      expect(r.stderr).not.toMatch(/^pnet: .*small\.pts/m);
      expect((await readdir(out)).sort()).toEqual(['.pnet-infer-outputs.json', 'small.seg']);
      await expectUnchanged(clouds, before);
    });
  }

  it('--max-points refuses larger clouds, each named, before they run; the others are labelled', async () => {
    const m = await model('plain');
    const out = join(dir, 'out-max-points');
    const r = await pnet('infer', m, clouds, '--out', out, '--max-points', '100', '--workers', '2');
    expectCleanFailure(r, {
      code: 2,
      file: big,
      message: /the cloud has 200 points, more than the 100 this segmenter takes/,
    });
    expect((await readdir(out)).sort()).toEqual(['.pnet-infer-outputs.json', 'small.seg']);
  });

  it('without --max-points, clouds over 100,000 points are refused', async () => {
    const m = await model('plain-default');
    const huge = join(dir, 'huge');
    await mkdir(huge);
    await writeFile(join(huge, 'huge.pts'), formatPts(cloudOf(100_001)));
    const r = await pnet('infer', m, join(huge, 'huge.pts'), '--out', join(dir, 'out-default'));
    expectCleanFailure(r, {
      file: join(huge, 'huge.pts'),
      message: /the cloud has 100001 points, more than the 100000 this segmenter takes/,
    });
  });

  it('--max-points must be a positive integer', async () => {
    const m = await model('plain-arg');
    const r = await pnet('infer', m, clouds, '--out', join(dir, 'out-arg'), '--max-points', '0');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^pnet: --max-points must be a positive integer, got 0/m);
  });
});
