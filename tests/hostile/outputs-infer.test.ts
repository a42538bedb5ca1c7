/**
 * Where `pnet infer` writes, when names clash or paths lead back to the inputs: two inputs never share an output,
 * no layout's label file is written over (through symbolic links too, and whatever --force says), and an --out
 * inside an input folder is not read back as input on a rerun.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPts } from '../../src/core/formats/pts.ts';
import { writePly } from '../../src/core/formats/ply.ts';
import { Rng } from '../../src/core/rng.ts';
import { tinyOnnx } from '../helpers/tiny-model.ts';
import { expectCleanFailure, expectUnchanged, pnet, snapshot } from './harness.ts';

let dir: string;
let model: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-hostile-outputs-'));
  model = await tinyOnnx(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function points(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * 3 }, () => rng.uniform(-1, 1));
}

async function put(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, data);
}

const lines = async (file: string): Promise<number> => (await readFile(file, 'utf8')).trim().split('\n').length;

describe('outputs of pnet infer: two inputs, one output name', () => {
  it('x.pts and x.ply in one folder: refused up front, naming both, nothing written', async () => {
    const c1 = join(dir, 'c1');
    await put(join(c1, 'x.pts'), formatPts(points(40, 1)));
    await put(join(c1, 'x.ply'), writePly({ points: points(25, 2), labels: new Int32Array(25), palette: [[0, 0, 0]] }));
    const before = await snapshot(c1);
    const out = join(dir, 'o1');
    const r = await pnet('infer', model, c1, '--out', out);
    expectCleanFailure(r, { file: join(c1, 'x.pts'), message: /x\.ply/ });
    expect(r.stderr).toContain(join(out, 'x.seg'));
    expect(existsSync(join(out, 'x.seg'))).toBe(false);
    await expectUnchanged(c1, before);
  });

  it('the same stems in different folders still get one output each', async () => {
    const c2 = join(dir, 'c2');
    await put(join(c2, 'a', 'x.pts'), formatPts(points(40, 1)));
    await put(join(c2, 'b', 'x.pts'), formatPts(points(30, 3)));
    const out = join(dir, 'o2');
    const r = await pnet('infer', model, c2, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(await lines(join(out, 'a', 'x.seg'))).toBe(40);
    expect(await lines(join(out, 'b', 'x.seg'))).toBe(30);
  });
});

describe('outputs of pnet infer: label files are never written, whatever --force says', () => {
  it('--out a symbolic link to the input folder: the .seg beside each cloud is kept', async () => {
    const c3 = join(dir, 'c3');
    await put(join(c3, 'x.pts'), formatPts(points(3, 4)));
    await put(join(c3, 'x.seg'), '0\n1\n2\n');
    const link = join(dir, 'link-to-c3');
    await symlink(c3, link);
    const before = await snapshot(c3);
    const r = await pnet('infer', model, c3, '--out', link, '--force');
    expectCleanFailure(r, { file: join(c3, 'x.seg'), message: /label file/ });
    await expectUnchanged(c3, before);
  });

  it('--out a PartAnnotation points_label/<part>/ folder: its label files are kept', async () => {
    const synset = join(dir, 'pa', 'PartAnnotation', '02691156');
    await put(join(synset, 'points', 'x.pts'), formatPts(points(3, 5)));
    await put(join(synset, 'points_label', 'wing', 'x.seg'), '1\n0\n1\n');
    const before = await snapshot(synset);
    const labels = join(synset, 'points_label', 'wing');
    const r = await pnet('infer', model, join(synset, 'points'), '--out', labels, '--force');
    expectCleanFailure(r, { file: join(labels, 'x.seg'), message: /label file/ });
    await expectUnchanged(synset, before);
  });

  it('--out a symbolic link to the input folder with --format ply: the input .ply is kept', async () => {
    const c4 = join(dir, 'c4');
    await put(join(c4, 'y.ply'), writePly({ points: points(5, 6), labels: new Int32Array(5), palette: [[0, 0, 0]] }));
    const link = join(dir, 'link-to-c4');
    await symlink(c4, link);
    const before = await snapshot(c4);
    const r = await pnet('infer', model, c4, '--out', link, '--format', 'ply', '--force');
    expectCleanFailure(r, { file: join(c4, 'y.ply'), message: /input/ });
    await expectUnchanged(c4, before);
  });
});

describe('outputs of pnet infer: --out inside an input folder', () => {
  it('a rerun does not read its own outputs as inputs', async () => {
    const c5 = join(dir, 'c5');
    await put(join(c5, 'x.pts'), formatPts(points(12, 7)));
    const out = join(c5, 'out');
    const first = await pnet('infer', model, c5, '--out', out, '--format', 'ply');
    expect(first.code, first.stderr).toBe(0);
    const again = await pnet('infer', model, c5, '--out', out, '--format', 'ply');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/labelled 1 of 1 cloud/);
    expect((await readdir(out)).sort()).toEqual(['.pnet-infer-outputs.json', 'x.ply']);
  });
});
