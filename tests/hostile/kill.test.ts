/**
 * kill -9 of a real `pnet train` process once its first checkpoint is on disk: resuming reaches the same bytes of
 * state as a run that was never killed, and no temp file of the killed run is left behind.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/checkpoint/files.ts';
import { synthesizeDataset } from '../../src/data/synth.ts';
import { train } from '../../src/train/index.ts';
import { PNET_BIN } from '../paths.ts';

let dir: string;
let data: string;
const recipe = {
  categories: ['Airplane'],
  preset: 'lite' as const,
  points: 64,
  batchSize: 4,
  backend: 'cpu' as const,
  seed: 9,
  epochs: 2,
};
const recipeArgs = [
  '--category',
  'Airplane',
  '--preset',
  'lite',
  '--points',
  '64',
  '--batch-size',
  '4',
  '--backend',
  'cpu',
  '--seed',
  '9',
  '--epochs',
  '2',
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-hostile-kill-'));
  data = join(dir, 'data');
  await synthesizeDataset(data, { count: 10, seed: 3 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hostile: kill -9 during pnet train', () => {
  it('resumes after SIGKILL to the state of an uninterrupted run, leaving no temp files', async () => {
    const killed = join(dir, 'killed');
    const child = spawn(process.execPath, [PNET_BIN, 'train', '--data', data, ...recipeArgs, '--out', killed], {
      env: { ...process.env, CI: 'true' },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const deadline = Date.now() + 120_000;
    while (!existsSync(join(killed, 'last.ckpt')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(join(killed, 'last.ckpt'))).toBe(true);
    // Killed mid-run, not after it finished.
    expect((await readCheckpoint(join(killed, 'last.ckpt'))).meta.epoch).toBeLessThan(2);

    const quiet = { progress: false, log: () => {} };
    const resumed = await train({ ...quiet, out: killed, resume: true });
    expect(resumed.epochsCompleted).toBe(2);
    expect((await readdir(killed)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const straight = join(dir, 'straight');
    await train({ ...quiet, ...recipe, data, out: straight });
    const a = await readCheckpoint(join(straight, 'last.ckpt'));
    const b = await readCheckpoint(join(killed, 'last.ckpt'));
    expect(b.meta.step).toBe(a.meta.step);
    for (let i = 0; i < a.tensors.length; i++)
      expect(b.tensors[i]!.data, a.tensors[i]!.name).toEqual(a.tensors[i]!.data);
  }, 240_000);
});
