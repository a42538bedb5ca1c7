import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeUnitSphere, parsePts, parseSeg } from '../../src/data/index.ts';
import { evaluate, formatEvalReport, selectSplit } from '../../src/eval/index.ts';
import type { Cloud, Dataset } from '../../src/data/types.ts';
import { PointNet } from '../../src/model/pointnet.ts';
import { TINY_CLASSES, tinyCheckpoint, type TinyModel } from '../helpers/tiny-model.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/shapenet-benchmark', import.meta.url));
const ID = '1021a0914a7207aff927ed529ad90a11';
let checkpoint: string;
let tiny: TinyModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  checkpoint = join(mkdtempSync(join(tmpdir(), 'pnet-eval-')), 'best.ckpt');
  tiny = await tinyCheckpoint(checkpoint);
});

describe('pnet eval by the benchmark protocol', () => {
  it('--all-points scores every original point of the cloud, normalised as a whole', async () => {
    const r = await evaluate({ model: checkpoint, data: FIXTURE, allPoints: true, progress: false });
    const points = parsePts(readFileSync(join(FIXTURE, '02691156', 'points', `${ID}.pts`), 'utf8'), 'pts');
    const ids = parseSeg(readFileSync(join(FIXTURE, '02691156', 'points_label', `${ID}.seg`), 'utf8'), 'seg');
    expect(r.points).toBe('all');
    expect(r.clouds).toBe(1);
    expect(r.scoredPoints).toBe(ids.length);
    // The same weights run here on the whole normalised cloud: class k is benchmark part id k + 1.
    const model = PointNet.create(tiny.architecture, tiny.weights);
    const labels = tf.tidy(() =>
      tf.argMax(model.predict(tf.tensor3d(normalizeUnitSphere(points), [1, ids.length, 3])), 2).dataSync(),
    );
    model.dispose();
    const right = Array.from(labels).filter((l, i) => l === ids[i]! - 1).length;
    expect(r.accuracy).toBeCloseTo(right / ids.length, 9);
    // One category: the instance mIoU is the mean of the per-part IoUs, and the class mIoU equals it.
    expect(r.miou).toBeCloseTo(r.partIou.reduce((a, b) => a + b, 0) / TINY_CLASSES.length, 9);
    expect(r.classMiou).toBeCloseTo(r.miou, 12);
    expect(formatEvalReport(r)).toMatch(/every original point \(\d+ in all\)/);
  });

  it('samples the training point count by default', async () => {
    const r = await evaluate({ model: checkpoint, data: FIXTURE, progress: false });
    expect(r.points).toBe(tiny.meta.numPoints);
    expect(r.scoredPoints).toBe(tiny.meta.numPoints);
    expect(formatEvalReport(r)).toMatch(/instance mIoU \(mean over shapes\): \d\.\d{4}/);
  });

  it('--split test on a dataset without an official test list says so in one line', async () => {
    await expect(evaluate({ model: checkpoint, data: FIXTURE, split: 'test', progress: false })).rejects.toThrow(
      /no official test split/,
    );
  });

  it('--split picks the official lists when the dataset has them', () => {
    const cloud = (id: string): Cloud => ({
      id,
      category: 'Airplane',
      points: new Float32Array(3 * 2048),
      labels: new Int32Array(2048),
      source: id,
    });
    const clouds = ['a', 'b', 'c', 'd'].map(cloud);
    const dataset = { officialSplit: { train: ['a', 'c'], val: ['d'], test: ['b'] } } as Dataset;
    expect(selectSplit(dataset, clouds, 'val', {}).map((c) => c.id)).toEqual(['d']);
    expect(selectSplit(dataset, clouds, 'train', {}).map((c) => c.id)).toEqual(['a', 'c']);
    expect(selectSplit(dataset, clouds, 'test', {}).map((c) => c.id)).toEqual(['b']);
    expect(selectSplit(dataset, clouds, 'all', {})).toHaveLength(4);
  });
});
