/**
 * A model trained on the PartAnnotation layout has a `none` class that may win every point's plain argmax, while the
 * benchmark's protocol (src/core/metrics.ts) predicts over the category's parts only. `pnet infer` must write the
 * labels it scores: the accuracy `--eval` prints is the accuracy of the files it wrote, and the files are the same
 * with and without `--eval`.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCheckpoint } from '../../src/checkpoint/files.ts';
import { formatPts } from '../../src/core/formats/pts.ts';
import { Rng } from '../../src/core/rng.ts';
import { exportCheckpointToOnnx } from '../../exporters/onnx/index.ts';
import { SYNTH_CLASSES, tinyModel } from '../helpers/tiny-model.ts';
import { expectNoStackTrace, pnet } from './harness.ts';

let dir: string;
let model: string;
let cloud: string;
const N = 200;
const PARTS = SYNTH_CLASSES.names.slice(0, -1);
const NONE = PARTS.length;
let truth: Int32Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-hostile-argmax-'));
  // `none` (the last class) outweighs every part at every point, as in a model that learnt mostly unlabelled points.
  const tiny = tinyModel({ classes: SYNTH_CLASSES, weights: 'perturbed' });
  tiny.weights.get('seg/head/bias')!.data[NONE] = 5;
  await writeCheckpoint(join(dir, 'none.ckpt'), { meta: tiny.meta, tensors: [...tiny.weights.values()] });
  model = join(dir, 'none.onnx');
  await exportCheckpointToOnnx(join(dir, 'none.ckpt'), model);

  const root = join(dir, 'PartAnnotation');
  const rng = new Rng(5);
  truth = Int32Array.from({ length: N }, () => Math.floor(rng.uniform(0, PARTS.length + 1)));
  await mkdir(join(root, '02691156', 'points'), { recursive: true });
  await writeFile(join(root, 'metadata.json'), JSON.stringify({ Airplane: { directory: '02691156', lables: PARTS } }));
  cloud = join(root, '02691156', 'points', 'plane.pts');
  await writeFile(cloud, formatPts(Float32Array.from({ length: N * 3 }, () => rng.uniform(-1, 1))));
  for (const [k, part] of PARTS.entries()) {
    await mkdir(join(root, '02691156', 'points_label', part), { recursive: true });
    await writeFile(
      join(root, '02691156', 'points_label', part, 'plane.seg'),
      Array.from(truth, (t) => (t === k ? '1' : '0')).join('\n') + '\n',
    );
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writtenLabels(out: string): Promise<number[]> {
  return (await readFile(join(out, 'plane.seg'), 'utf8')).trim().split('\n').map(Number);
}

describe('hostile models: pnet infer --eval scores the labels it writes', () => {
  it('a model whose plain argmax is `none` everywhere: the printed accuracy is that of the written labels', async () => {
    const out = join(dir, 'out-eval');
    const r = await pnet('infer', model, cloud, '--eval', '--out', out);
    expectNoStackTrace(r);
    expect(r.code, r.stderr).toBe(0);
    const labels = await writtenLabels(out);
    expect(labels).toHaveLength(N);
    const right = labels.filter((l, i) => l === truth[i]).length;
    expect(r.stdout).toContain(`accuracy ${((right / N) * 100).toFixed(2)}%`);
    // The benchmark's prediction: a part of the category, never `none`.
    expect(labels.filter((l) => l === NONE)).toEqual([]);
  });

  it('the written labels do not depend on --eval', async () => {
    const scored = join(dir, 'out-scored');
    const plain = join(dir, 'out-plain');
    expect((await pnet('infer', model, cloud, '--eval', '--out', scored)).code).toBe(0);
    expect((await pnet('infer', model, cloud, '--out', plain)).code).toBe(0);
    expect(await writtenLabels(plain)).toEqual(await writtenLabels(scored));
  });
});
