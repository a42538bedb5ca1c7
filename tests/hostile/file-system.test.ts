/**
 * File-system trouble and bad options around export, synth, eval and train: each fails in one line naming the
 * path, exit 1, no stack trace, and leaves what was there as it was.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnnxModel } from '../../exporters/onnx/index.ts';
import { onnx } from '../../exporters/onnx/onnx-proto.ts';
import {
  SYNTH_CLASSES,
  TINY_CLASSES,
  TINY_SHA256,
  tinyCheckpoint,
  tinyModel,
  tinyOnnxBytes,
} from '../helpers/tiny-model.ts';
import { formatPts } from '../../src/core/formats/pts.ts';
import { expectCleanFailure, expectUnchanged, pnet, RUNNING_AS_ROOT, snapshot } from './harness.ts';

let dir: string;
let ckpt: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-hostile-fs-'));
  ckpt = join(dir, 'run', 'last.ckpt');
  await tinyCheckpoint(ckpt, { seed: 3, classes: SYNTH_CLASSES, weights: 'perturbed' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hostile file system: pnet export', () => {
  it('onto a directory', async () => {
    const target = join(dir, 'is-a-dir.onnx');
    await mkdir(join(target, 'inside'), { recursive: true });
    await writeFile(join(target, 'inside', 'keep.txt'), 'mine');
    const before = await snapshot(target);
    const r = await pnet('export', ckpt, '--onnx', target);
    expectCleanFailure(r, { file: target, message: /cannot write: is a directory/ });
    await expectUnchanged(target, before);
  });

  it('under a file', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'mine');
    const r = await pnet('export', ckpt, '--onnx', join(file, 'model.onnx'));
    expectCleanFailure(r, {
      file: join(file, 'model.onnx'),
      message: /cannot write: (a part of the path is a file|already exists)/,
    });
    expect(await readFile(file, 'utf8')).toBe('mine');
  });

  it('a Triton repository under a file', async () => {
    const file = join(dir, 'another-file');
    await writeFile(file, 'mine');
    const r = await pnet('export', ckpt, '--triton', join(file, 'repo'));
    expectCleanFailure(r, { file: join(file, 'repo', 'pnet_airplane'), message: /cannot mkdir/ });
    expect(await readFile(file, 'utf8')).toBe('mine');
  });

  it.skipIf(RUNNING_AS_ROOT)('into a read-only folder (skipped as root: root may write anywhere)', async () => {
    const locked = join(dir, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o500);
    try {
      const r = await pnet('export', ckpt, '--onnx', join(locked, 'model.onnx'));
      expectCleanFailure(r, { file: join(locked, 'model.onnx'), message: /permission denied/ });
    } finally {
      await chmod(locked, 0o700);
    }
  });
});

describe('hostile file system: pnet data synth', () => {
  it('--out naming an existing file leaves it as it was', async () => {
    const file = join(dir, 'synth-target');
    await writeFile(file, 'precious');
    for (const extra of [[], ['--force']]) {
      const r = await pnet('data', 'synth', '--out', file, '--count', '2', ...extra);
      expectCleanFailure(r, { file, message: /is a file, not a folder/ });
      expect(await readFile(file, 'utf8')).toBe('precious');
    }
  });

  it('--out under a file', async () => {
    const file = join(dir, 'synth-parent');
    await writeFile(file, 'precious');
    const r = await pnet('data', 'synth', '--out', join(file, 'data'), '--count', '2');
    expectCleanFailure(r, {
      file: join(file, 'data'),
      message: /cannot write the dataset: a part of the path is a file/,
    });
    expect(await readFile(file, 'utf8')).toBe('precious');
  });
});

describe('hostile options: --max-clouds', () => {
  for (const value of ['-10', '0', '1.5', '-1']) {
    it(`eval and train refuse --max-clouds ${value}`, async () => {
      const data = join(dir, 'no-data-needed');
      for (const argv of [
        ['eval', join(dir, 'run'), '--data', data, '--max-clouds', value],
        ['train', '--data', data, '--category', 'Airplane', '--out', join(dir, 'never'), '--max-clouds', value],
      ]) {
        const r = await pnet(...argv);
        expect(r.stderr, r.stderr).not.toMatch(/\n\s+at |unexpected error/);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(
          new RegExp(`^pnet: --max-clouds must be a positive integer .*got ${value.replace('.', '\\.')}`, 'm'),
        );
      }
    });
  }
});

describe('hostile models: NaN weights', () => {
  it('every cloud is labelled with a warning that the probabilities are not finite', async () => {
    const m = tinyModel({ seed: 2 });
    const first = [...m.weights.values()][0]!;
    first.data[0] = NaN;
    const model = join(dir, 'nan-weights.onnx');
    await writeFile(model, buildOnnxModel({ ...m, checkpointSha256: TINY_SHA256 }));
    const clouds = join(dir, 'nan-clouds');
    await mkdir(clouds);
    await writeFile(join(clouds, 'a.pts'), formatPts(Float32Array.from({ length: 30 }, (_, i) => Math.cos(i))));
    const r = await pnet('infer', model, clouds, '--out', join(dir, 'nan-out'));
    expect(r.stderr, r.stderr).not.toMatch(/\n\s+at |unexpected error/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`pnet: warning: ${join(clouds, 'a.pts')}: the model gave NaN or infinite probabilities`);
  });
});

describe('hostile models: outputs that disagree with the metadata', () => {
  it('fail once, at load, naming the model, not once per cloud', async () => {
    // The graph computes the 4 classes of TINY_CLASSES; its metadata is edited to name 5.
    const proto = onnx.ModelProto.decode(tinyOnnxBytes({ seed: 1 }));
    for (const p of proto.metadataProps) {
      if (p.key === 'pnet.classes') p.value = JSON.stringify([...TINY_CLASSES, 'extra']);
      if (p.key === 'pnet.colors') p.value = JSON.stringify([...JSON.parse(p.value!), '#000000']);
    }
    const model = join(dir, 'mismatch.onnx');
    await writeFile(model, onnx.ModelProto.encode(proto).finish());
    const clouds = join(dir, 'mismatch-clouds');
    await mkdir(clouds);
    for (const name of ['a', 'b', 'c'])
      await writeFile(join(clouds, `${name}.pts`), formatPts(Float32Array.from({ length: 30 }, (_, i) => Math.sin(i))));
    const before = await snapshot(clouds);
    const r = await pnet('infer', model, clouds, '--out', join(dir, 'mismatch-out'));
    expectCleanFailure(r, { file: model, message: /outputs disagree with its metadata/ });
    expect(r.stderr.split('\n').filter((l) => l.startsWith('pnet: '))).toHaveLength(1);
    await expectUnchanged(clouds, before);
  });
});
