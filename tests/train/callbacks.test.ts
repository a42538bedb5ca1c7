/** train()'s onStep and onEpoch: the figures the CLI's progress bar and epoch lines show, as numbers, in order. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticRunsFolder } from './synthetic-runs.ts';
import { train, type TrainStepProgress } from '../../src/train/index.ts';
import type { EpochMetrics } from '../../src/train/run-dir.ts';

const runs = syntheticRunsFolder('pnet-train-callbacks-', 5);

describe('train() callbacks', () => {
  it('reports every step and every epoch', async () => {
    const out = join(runs.dir, 'run');
    const steps: TrainStepProgress[] = [];
    const epochs: EpochMetrics[] = [];
    const result = await train({
      ...runs.options(out),
      epochs: 2,
      onStep: (s) => steps.push(s),
      onEpoch: (e) => epochs.push(e),
    });
    expect(steps.length).toBe(result.steps);
    expect(steps.map((s) => s.step)).toEqual(steps.map((_, i) => i + 1));
    const perEpoch = steps.filter((s) => s.epoch === 1).length;
    expect(perEpoch).toBeGreaterThan(0);
    expect(steps.map((s) => [s.epoch, s.batch, s.batches, s.epochs])).toEqual(
      steps.map((_, i) => [Math.floor(i / perEpoch) + 1, (i % perEpoch) + 1, perEpoch, 2]),
    );
    for (const s of steps) {
      expect(Number.isFinite(s.loss) && s.loss > 0).toBe(true);
      expect(s.cloudsPerSecond).toBeGreaterThan(0);
    }
    // The records are the run's history (what its metrics file gets), one per epoch, given as each epoch ends.
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(epochs).toEqual(result.history);
  });
});
