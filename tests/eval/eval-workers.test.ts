import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { synthesizeDataset } from '../../src/data/synth.ts';
import { train } from '../../src/train/index.ts';
import { evaluate } from '../../src/eval/index.ts';

let dir: string;
let data: string;
let run: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-eval-workers-'));
  data = join(dir, 'data');
  run = join(dir, 'run');
  await synthesizeDataset(data, { count: 10, seed: 2 });
  await train({
    progress: false,
    log: () => {},
    data,
    categories: ['Airplane'],
    preset: 'lite',
    points: 64,
    batchSize: 4,
    backend: 'cpu',
    epochs: 1,
    out: run,
  });
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pnet eval --workers', () => {
  it('reports the same scores and confusion matrix on two threads as on one', async () => {
    const base = { model: run, data, progress: false, backend: tf.getBackend() as 'cpu', points: 64, batchSize: 5 };
    const one = await evaluate({ ...base, workers: 1 });
    const two = await evaluate({ ...base, workers: 2 });
    expect(one.clouds).toBe(10);
    // Ten clouds in batches of 5: shards of 3 + 2 clouds, every cloud counted once.
    expect(two.confusion.flat().reduce((a, b) => a + b, 0)).toBe(10 * 64);
    expect(two).toEqual(one);
  }, 60_000);
});
