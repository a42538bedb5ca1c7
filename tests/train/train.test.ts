import { describe, expect, it } from 'vitest';
import { readFile, truncate, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expectSameTensors, QUIET, syntheticRunsFolder } from './synthetic-runs.ts';
import { train, type TrainOptions } from '../../src/train/index.ts';
import { loadPointNetFromCheckpoint } from '../../src/checkpoint/load-model.ts';
import { readCheckpoint } from '../../src/checkpoint/files.ts';
import { evaluate } from '../../src/eval/index.ts';

const runs = syntheticRunsFolder('pnet-train-', 1);
const base = (out: string): TrainOptions => runs.options(out);

describe('train', () => {
  it('lowers the loss on a few synthetic airplanes and writes the run directory', async () => {
    const out = join(runs.dir, 'run-loss');
    const result = await train({ ...base(out), epochs: 4, learningRate: 0.003 });
    expect(result.epochsCompleted).toBe(4);
    const losses = result.history.map((h) => h.train_loss);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.9);
    for (const f of ['config.json', 'metrics.jsonl', 'metrics.csv', 'curves.svg', 'best.ckpt', 'last.ckpt'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const lines = (await readFile(join(out, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ epoch: 1 });
    for (const key of ['train_loss', 'val_loss', 'train_accuracy', 'val_accuracy', 'miou', 'val_class_miou'])
      expect(typeof lines[0][key]).toBe('number');
    // One category: its instance mIoU is the class mIoU.
    expect(lines[0].val_class_miou).toBeCloseTo(lines[0].val_miou, 12);
    expect(await readFile(join(out, 'curves.svg'), 'utf8')).toMatch(/^<svg/);
    const ckpt = await readCheckpoint(join(out, 'last.ckpt'));
    expect(ckpt.meta.epoch).toBe(4);
    expect(ckpt.tensors.some((t) => t.name.startsWith('optimizer/adam/m/'))).toBe(true);
    const { model, meta } = await loadPointNetFromCheckpoint(join(out, 'best.ckpt'));
    expect(meta.classes.names).toContain('wing');
    model.dispose();
  }, 80_000);

  it('trains on train + val with split trainval: no val, no best.ckpt, the model is the last epoch', async () => {
    const out = join(runs.dir, 'run-trainval');
    const lines: string[] = [];
    const result = await train({ ...base(out), epochs: 1, split: 'trainval', log: (l) => lines.push(l) });
    const log = lines.join('\n');
    expect(log).toMatch(/data: 10 train \+ val clouds \(no val: the model is the last epoch\)/);
    expect(log).toMatch(/epoch 1\/1: loss \d\.\d{4}, acc \d\.\d{3}, mIoU \d\.\d{3} \(train; no val held out\)/);
    expect(log).not.toMatch(/NaN/);
    expect(result.best.epoch).toBe(-1);
    expect(result.history[0]!.val_miou).toBeNaN();
    expect(existsSync(join(out, 'best.ckpt'))).toBe(false);
    const ckpt = await readCheckpoint(join(out, 'last.ckpt'));
    expect(ckpt.meta.config).toMatchObject({ split: 'trainval' });
    expect(Object.keys(ckpt.meta.metrics)).toEqual(['train_loss']);
    await expect(evaluate({ model: out, data: runs.data, split: 'val', progress: false })).rejects.toThrow(
      /trained on train \+ val/,
    );
  }, 60_000);

  it('resumes an interrupted run to the same state as an uninterrupted one', async () => {
    const straight = join(runs.dir, 'run-straight');
    await train({ ...base(straight), epochs: 2 });
    const interrupted = join(runs.dir, 'run-interrupted');
    const first = await train({ ...base(interrupted), epochs: 2, stopAfterSteps: 1 });
    expect(first.interrupted).toBe(true);
    const resumed = await train({ ...QUIET, out: interrupted, resume: true });
    expect(resumed.epochsCompleted).toBe(2);
    const a = await readCheckpoint(join(straight, 'last.ckpt'));
    const b = await readCheckpoint(join(interrupted, 'last.ckpt'));
    expect(b.meta.step).toBe(a.meta.step);
    expectSameTensors(a, b);
  }, 80_000);

  it('rejects a truncated checkpoint with a clear error', async () => {
    const out = join(runs.dir, 'run-truncated');
    await train({ ...base(out), epochs: 1 });
    const file = join(out, 'last.ckpt');
    await truncate(file, (await stat(file)).size - 100);
    await expect(loadPointNetFromCheckpoint(file)).rejects.toMatchObject({
      code: 'BAD_CHECKPOINT',
      message: expect.stringMatching(/truncated or damaged/),
    });
    await expect(train({ ...QUIET, out, resume: true })).rejects.toMatchObject({ code: 'BAD_CHECKPOINT' });
  }, 60_000);
});
