import { describe, expect, it } from 'vitest';
import { readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expectSameTensors, QUIET, syntheticRunsFolder } from './synthetic-runs.ts';
import { train, type TrainOptions } from '../../src/train/index.ts';
import { readCheckpoint } from '../../src/checkpoint/files.ts';

const runs = syntheticRunsFolder('pnet-run-safety-', 2);
const base = (out: string): TrainOptions => runs.options(out, { points: 64, seed: 5 });

describe('run directory safety', () => {
  it('stops with DIVERGED naming the step when the loss goes non-finite, and writes no NaN checkpoint', async () => {
    const out = join(runs.dir, 'run-diverge');
    const err = await train({ ...base(out), epochs: 3, learningRate: 1e30 }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'DIVERGED',
      message: expect.stringMatching(
        /training stopped at step \d+ \(epoch \d+, batch \d+\): non-finite (loss|gradient)/,
      ),
    });
    for (const f of ['best.ckpt', 'last.ckpt']) {
      if (!existsSync(join(out, f))) continue;
      const ckpt = await readCheckpoint(join(out, f));
      for (const t of ckpt.tensors) expect(t.data.every(Number.isFinite), `${f} ${t.name}`).toBe(true);
      expect((err as Error).message).toContain('last good state');
    }
  }, 80_000);

  it('resumes from best.ckpt when a kill left no last.ckpt, to the same state as a straight run', async () => {
    const straight = join(runs.dir, 'run-straight');
    await train({ ...base(straight), epochs: 2 });
    const killed = join(runs.dir, 'run-killed');
    await train({ ...base(killed), epochs: 1 });
    await rm(join(killed, 'last.ckpt')); // as if killed between the best.ckpt and last.ckpt writes
    await expect(train({ ...base(killed), epochs: 1 })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: /already holds a run/,
    });
    const best = await readFile(join(killed, 'best.ckpt'));
    expect(best.length).toBeGreaterThan(0);
    await train({ ...QUIET, out: killed, resume: true, epochs: 2 });
    const a = await readCheckpoint(join(straight, 'last.ckpt'));
    const b = await readCheckpoint(join(killed, 'last.ckpt'));
    expect(b.meta.step).toBe(a.meta.step);
    expectSameTensors(a, b);
  }, 120_000);

  it('removes temp files a killed run left, and nothing else; marks a mid-epoch resume in the metrics', async () => {
    const out = join(runs.dir, 'run-temps');
    const first = await train({ ...base(out), epochs: 1, stopAfterSteps: 1 });
    expect(first.interrupted).toBe(true);
    const stale = ['.best.ckpt.0123456789ab.tmp', '.metrics.jsonl.ba9876543210.tmp'];
    const kept = ['.notes.0123456789ab.tmp', 'my.tmp', '.best.ckpt.tmp'];
    for (const f of [...stale, ...kept]) await writeFile(join(out, f), 'x');
    const resumed = await train({ ...QUIET, out, resume: true });
    const names = await readdir(out);
    for (const f of stale) expect(names).not.toContain(f);
    for (const f of kept) expect(names).toContain(f);
    expect(resumed.history[0]!.train_metrics_from_batch).toBe(2);
    const line = JSON.parse((await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n')[0]!);
    expect(line.train_metrics_from_batch).toBe(2);
  }, 80_000);
});
