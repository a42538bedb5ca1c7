import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { expectSameTensors, syntheticRunsFolder } from './synthetic-runs.ts';
import { train, type TrainOptions } from '../../src/train/index.ts';
import { readCheckpoint } from '../../src/checkpoint/files.ts';

const runs = syntheticRunsFolder('pnet-parallel-train-', 1);
const base = (out: string, workers: number): TrainOptions =>
  runs.options(out, { learningRate: 0.003, epochs: 1, workers });

/** Betas whose exact gradient is 0 (see parallel.test.ts): Adam turns their rounding noise into full-size steps. */
const NOISE_ONLY = /^(input_tnet\/conv3|feature_tnet\/conv3|features\/conv5)\/bn\/beta$/;

async function lastTensors(run: string) {
  const ckpt = await readCheckpoint(join(run, 'last.ckpt'));
  return { step: ckpt.meta.step, tensors: ckpt.tensors };
}

describe('train --workers', () => {
  it('resumes a two-worker run exactly, and continues it on one worker from the same state', async () => {
    const straight = join(runs.dir, 'straight');
    const full = await train(base(straight, 2));
    expect(full.epochsCompleted).toBe(1);

    const stopped = join(runs.dir, 'stopped');
    expect((await train({ ...base(stopped, 2), stopAfterSteps: 1 })).interrupted).toBe(true);
    await train({ progress: false, log: () => {}, out: stopped, resume: true, workers: 2 });
    const a = await lastTensors(straight);
    const b = await lastTensors(stopped);
    expect(b.step).toBe(a.step);
    expectSameTensors(a, b);

    // The checkpoint holds no per-worker state: a one-worker resume starts from the same weights, and the rest of
    // the run differs from the two-worker one only by rounding.
    const switched = join(runs.dir, 'switched');
    await train({ ...base(switched, 2), stopAfterSteps: 1 });
    await train({ progress: false, log: () => {}, out: switched, resume: true, workers: 1 });
    const c = await lastTensors(switched);
    expect(c.step).toBe(a.step);
    // Rounding differences grow through Adam (it normalises each gradient), most on near-zero parameters: measure
    // each gap against the parameter or, if larger, the farthest Adam can move it in these steps (lr per element).
    const adamReach = (size: number) => 0.003 * c.step * Math.sqrt(size);
    let compared = 0;
    for (let i = 0; i < a.tensors.length; i++) {
      const { name, data: x } = a.tensors[i]!;
      if (NOISE_ONLY.test(name) || name.startsWith('optimizer/')) continue;
      const y = c.tensors[i]!.data;
      let d = 0;
      let n = 0;
      for (let k = 0; k < x.length; k++) {
        d += (x[k]! - y[k]!) ** 2;
        n += x[k]! ** 2;
      }
      compared++;
      expect(Math.sqrt(d) / Math.max(Math.sqrt(n), adamReach(x.length)), name).toBeLessThan(1e-2);
    }
    expect(compared).toBeGreaterThan(50);
  }, 180_000);

  it('refuses more workers than clouds per batch, naming the option', async () => {
    await expect(train({ ...base(join(runs.dir, 'too-many'), 5) })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/--workers 5/),
    });
  });
});
