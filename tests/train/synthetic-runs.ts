import { afterAll, beforeAll, expect } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeDataset } from '../../src/data/synth.ts';
import type { TrainOptions } from '../../src/train/index.ts';

/** No progress bar and no status lines. */
export const QUIET = { progress: false, log: () => {} };

export interface SyntheticRuns {
  readonly dir: string;
  readonly data: string;
  /** Quiet, small CPU training on this folder's airplanes (lite, 128 points, 4 clouds a step), into `out`. */
  options(out: string, overrides?: Partial<TrainOptions>): TrainOptions;
}

/** Ten synthetic airplanes in a temp folder made before a test file's tests and removed after them. */
export function syntheticRunsFolder(prefix: string, seed: number): SyntheticRuns {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    await synthesizeDataset(join(dir, 'data'), { count: 10, seed });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    get data() {
      return join(dir, 'data');
    },
    options(out, overrides = {}) {
      return {
        ...QUIET,
        data: join(dir, 'data'),
        categories: ['Airplane'],
        preset: 'lite',
        points: 128,
        batchSize: 4,
        backend: 'cpu',
        seed: 3,
        out,
        ...overrides,
      };
    },
  };
}

/** Two checkpoints hold the same tensors, bit for bit, in the same order. */
type Tensors = { tensors: ReadonlyArray<{ name: string; data: Float32Array }> };

export function expectSameTensors(a: Tensors, b: Tensors): void {
  expect(b.tensors.map((t) => t.name)).toEqual(a.tensors.map((t) => t.name));
  for (let i = 0; i < a.tensors.length; i++) expect(b.tensors[i]!.data, a.tensors[i]!.name).toEqual(a.tensors[i]!.data);
}
