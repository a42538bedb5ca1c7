import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { indexDataset } from '../../src/data/index.ts';
import { evaluate } from '../../src/eval/index.ts';
import { tinyCheckpoint } from '../helpers/tiny-model.ts';
import { syntheticRunsFolder } from '../train/synthetic-runs.ts';

const runs = syntheticRunsFolder('pnet-eval-workers-', 2);
let checkpoint: string;

beforeAll(async () => {
  checkpoint = join(runs.dir, 'tiny.ckpt');
  await tinyCheckpoint(checkpoint, { classes: indexDataset(runs.data, ['Airplane']).classes });
});

describe('pnet eval --workers', () => {
  it('reports the same scores and confusion matrix on two threads as on one', async () => {
    const base = {
      model: checkpoint,
      data: runs.data,
      progress: false,
      backend: 'cpu' as const,
      points: 64,
      batchSize: 5,
    };
    await tf.setBackend('cpu');
    const one = await evaluate({ ...base, workers: 1 });
    const two = await evaluate({ ...base, workers: 2 });
    expect(one.clouds).toBe(10);
    // Ten clouds in batches of 5: shards of 3 + 2 clouds, every cloud counted once.
    expect(two.confusion.flat().reduce((a, b) => a + b, 0)).toBe(10 * 64);
    // The model's labels vary, so equal matrices mean the same points were scored the same way.
    expect(one.confusion.flat().filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(two).toEqual(one);
  }, 60_000);
});
