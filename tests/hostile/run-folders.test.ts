/**
 * Run folders under concurrency, signals and resumes: two `pnet train` on one folder, SIGTERM on a real training
 * process, and `--resume` with options or data that differ from the run's.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/checkpoint/files.ts';
import { synthesizeDataset } from '../../src/data/synth.ts';
import { train } from '../../src/train/index.ts';
import { evaluate } from '../../src/eval/index.ts';
import { RUN_LOCK_FILE } from '../../src/train/run-lock.ts';
import { PNET_BIN } from '../paths.ts';
import { expectCleanFailure, pnet } from './harness.ts';

let dir: string;
let data: string;
const recipe = [
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
];
const quiet = { progress: false, log: () => {} };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-hostile-runs-'));
  data = join(dir, 'data');
  await synthesizeDataset(data, { count: 10, seed: 5 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A small in-process run on the synthetic airplanes, the recipe `recipe` spells for the CLI. */
function tinyRun(out: string, seed: number, epochs: number) {
  return train({
    ...quiet,
    data,
    categories: ['Airplane'],
    preset: 'lite',
    points: 64,
    batchSize: 4,
    backend: 'cpu',
    seed,
    epochs,
    out,
  });
}

/** A real `pnet train` process, its output collected; resolves with its exit code once it ends. */
function spawnTrain(args: string[]) {
  const child = spawn(process.execPath, [PNET_BIN, 'train', ...args], {
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stderr: () => stderr };
}

async function until(test: () => boolean, what: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('hostile: run folders', () => {
  it('refuses a second pnet train on a folder a running one holds, new or resumed, and frees it after', async () => {
    const out = join(dir, 'locked');
    const first = spawnTrain(['--data', data, ...recipe, '--epochs', '200', '--out', out]);
    await until(() => existsSync(join(out, RUN_LOCK_FILE)), 'the first run to take its lock');
    const second = await pnet('train', '--data', data, ...recipe, '--epochs', '1', '--out', out);
    expectCleanFailure(second, { file: out, message: /another pnet train \(process \d+/ });
    await until(() => existsSync(join(out, 'last.ckpt')), "the first run's first checkpoint");
    const resumed = await pnet('train', '--resume', out, '--epochs', '201');
    expectCleanFailure(resumed, { file: out, message: /another pnet train/ });

    first.child.kill('SIGTERM');
    const end = await first.exited;
    // SIGTERM stops like Ctrl-C: after the current step, last.ckpt saved, exit 143, one line.
    expect(end, first.stderr()).toEqual({ code: 143, signal: null });
    expect(first.stderr()).toMatch(/stopped at epoch \d+, batch \d+; saved .*last\.ckpt/);
    expect(first.stderr()).toMatch(/^pnet: training interrupted/m);
    expect(first.stderr()).not.toMatch(/\n\s+at /);
    expect(existsSync(join(out, RUN_LOCK_FILE))).toBe(false);
    const saved = await readCheckpoint(join(out, 'last.ckpt'));
    expect(saved.meta.step).toBeGreaterThan(0);
  }, 240_000);

  it('takes over the lock a killed run left', async () => {
    const out = join(dir, 'stale');
    const killed = spawnTrain(['--data', data, ...recipe, '--epochs', '200', '--out', out]);
    await until(() => existsSync(join(out, RUN_LOCK_FILE)), 'the run to take its lock');
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(existsSync(join(out, RUN_LOCK_FILE))).toBe(true);
    const r = await pnet('train', '--data', data, ...recipe, '--epochs', '1', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, RUN_LOCK_FILE))).toBe(false);
  }, 240_000);

  it('refuses resume options that differ from the run, and says which', async () => {
    const out = join(dir, 'recipe');
    await tinyRun(out, 2, 1);
    const before = await readFile(join(out, 'last.ckpt'));
    const r = await pnet(
      'train',
      '--resume',
      out,
      '--epochs',
      '2',
      '--lr',
      '0.5',
      '--preset',
      'keras',
      '--points',
      '64',
    );
    expectCleanFailure(r, {
      file: out,
      message:
        /keeps its recipe; these differ from it: --preset keras \(the run has lite\), --lr 0\.5 \(the run has 0\.003\)$/,
    });
    expect(r.stderr).not.toMatch(/--points/);
    expect(await readFile(join(out, 'last.ckpt'))).toEqual(before);
    const both = await pnet('train', '--resume', out, '--out', join(dir, 'elsewhere'));
    expect(both.code, both.stderr).toBe(1);
    expect(both.stderr).toMatch(/^pnet: --resume and --out both name a run directory/m);
  }, 120_000);

  it('resumes from a moved dataset, refuses a changed one, and config.json follows the resume', async () => {
    const out = join(dir, 'moved');
    await tinyRun(out, 2, 1);
    const moved = join(dir, 'moved-data');
    await cp(data, moved, { recursive: true });

    const ok = await train({ ...quiet, out, resume: true, epochs: 2, data: moved });
    expect(ok.epochsCompleted).toBe(2);
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ epochs: 2, data: moved });

    // One cloud fewer: the split is another set, so val would not be the one best.ckpt was chosen on.
    const points = join(moved, 'PartAnnotation', '02691156', 'points');
    await unlink(join(points, (await readdir(points)).sort()[0]!));
    const r = await pnet('train', '--resume', out, '--epochs', '3');
    expectCleanFailure(r, {
      file: moved,
      message: /the dataset changed since the run started: \d+ train \/ \d+ val clouds then/,
    });
  }, 120_000);

  it('pnet eval --split val gives the val figures training recorded for that checkpoint', async () => {
    const out = join(dir, 'figures');
    const run = await tinyRun(out, 4, 2);
    const best = run.history[run.best.epoch - 1]!;
    const r = await evaluate({ model: out, data, split: 'val', progress: false, backend: 'cpu', workers: 1 });
    expect(r.clouds).toBe(2);
    expect(r.accuracy).toBeCloseTo(best.val_accuracy, 6);
    expect(r.miou).toBeCloseTo(best.val_miou, 6);
  }, 120_000);
});
