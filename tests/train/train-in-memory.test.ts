/**
 * Training with no file system (what `pnet/web/train` runs in a page) is train()'s loop: on the same data, seed and
 * backend it reaches the very same weights, and its checkpoint exports to the bytes `pnet export` writes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/checkpoint/format.ts';
import { readCheckpoint } from '../../src/checkpoint/files.ts';
import { loadDataset } from '../../src/data/load.ts';
import { loadPreset } from '../../src/model/preset-files.ts';
import { train } from '../../src/train/index.ts';
import { exportOnnx, trainModel, type TrainStepProgress } from '../../src/web-train.ts';
import { exportCheckpointToOnnx } from '../../exporters/onnx/export-checkpoint.ts';
import { spawnNodeStepWorker } from '../../src/train/parallel/node-transport.ts';
import { expectSameTensors, syntheticRunsFolder } from './synthetic-runs.ts';

const runs = syntheticRunsFolder('pnet-train-memory-', 5);

/** Three small epochs that abort their signal after the first step for which `stopAfter` says so. */
async function stoppedRun(stopAfter: (s: TrainStepProgress) => boolean) {
  const dataset = await loadDataset(runs.data, { categories: ['Airplane'], cache: false });
  const stop = new AbortController();
  const result = await trainModel({
    dataset,
    preset: loadPreset('lite'),
    epochs: 3,
    points: 64,
    batchSize: 4,
    signal: stop.signal,
    onStep: (s) => {
      if (stopAfter(s)) stop.abort();
    },
  });
  return { dataset, stop, result };
}

describe('trainModel (in memory)', () => {
  it("reaches train()'s weights on the same data and seed, and exports to pnet export's bytes", async () => {
    const out = join(runs.dir, 'run');
    const options = runs.options(out, { epochs: 2 });
    await train(options);
    const fromDisk = await readCheckpoint(join(out, 'last.ckpt'));

    const dataset = await loadDataset(runs.data, { categories: ['Airplane'], cache: false });
    const steps: TrainStepProgress[] = [];
    const epochs: number[] = [];
    const result = await trainModel({
      dataset,
      preset: loadPreset('lite'),
      epochs: 2,
      points: options.points,
      batchSize: options.batchSize,
      seed: options.seed,
      onStep: (s) => steps.push(s),
      onEpoch: (r) => epochs.push(r.epoch),
    });
    expect(result.interrupted).toBe(false);
    expect(epochs).toEqual([1, 2]);
    expect(steps.at(-1)).toMatchObject({ epoch: 2, epochs: 2 });
    const last = await decodeCheckpoint(result.last);
    expect(last.meta.epoch).toBe(2);
    expectSameTensors(fromDisk, last);

    const ckpt = join(runs.dir, 'memory-best.ckpt');
    await writeFile(ckpt, result.best);
    const onnx = join(runs.dir, 'memory-best.onnx');
    await exportCheckpointToOnnx(ckpt, onnx);
    expect(Buffer.from(await exportOnnx(result.best)).equals(await readFile(onnx))).toBe(true);
  }, 120_000);

  it("splits each batch across step workers as train() does, to train()'s two-worker weights", async () => {
    const out = join(runs.dir, 'run-two-workers');
    const options = runs.options(out, { epochs: 1, workers: 2 });
    await train(options);
    const fromDisk = await readCheckpoint(join(out, 'last.ckpt'));

    const dataset = await loadDataset(runs.data, { categories: ['Airplane'], cache: false });
    const result = await trainModel({
      dataset,
      preset: loadPreset('lite'),
      epochs: 1,
      points: options.points,
      batchSize: options.batchSize,
      seed: options.seed,
      workers: 2,
      spawnWorker: spawnNodeStepWorker,
    });
    expectSameTensors(fromDisk, await decodeCheckpoint(result.last));
    await expect(trainModel({ dataset, preset: loadPreset('lite'), epochs: 1, workers: 2 })).rejects.toThrow(
      /spawnWorker/,
    );
  }, 120_000);

  it('stops after the current step when its signal aborts, keeping the state at the stop', async () => {
    const { dataset, stop, result } = await stoppedRun((s) => s.step === 1);
    expect(result.interrupted).toBe(true);
    expect(result.history).toEqual([]);
    const last = await decodeCheckpoint(result.last);
    expect(last.meta.step).toBe(1);
    expect(result.best).toBe(result.last);
    await expect(trainModel({ dataset, preset: loadPreset('lite'), signal: stop.signal })).rejects.toThrow();
  }, 60_000);

  it("a stop asked for in an epoch's last step ends the run after that epoch", async () => {
    let stepsInFirstEpoch = 0;
    const { result } = await stoppedRun((s) => {
      if (s.epoch > 1 || s.batch < s.batches) return false;
      stepsInFirstEpoch = s.step;
      return true;
    });
    expect(result.interrupted).toBe(true);
    expect(result.history.map((h) => h.epoch)).toEqual([1]);
    expect((await decodeCheckpoint(result.last)).meta.step).toBe(stepsInFirstEpoch);
  }, 60_000);

  it('fine-tunes from a checkpoint of the same preset and classes, and refuses another', async () => {
    const dataset = await loadDataset(runs.data, { categories: ['Airplane'], cache: false });
    const base = { dataset, epochs: 1, points: 64, batchSize: 4 };
    const first = await trainModel({ ...base, preset: loadPreset('lite') });
    const tuned = await trainModel({ ...base, preset: loadPreset('lite'), startFrom: first.last, learningRate: 1e-9 });
    // With a rate that small, one more epoch leaves the weights where the checkpoint had them.
    const a = await decodeCheckpoint(first.last);
    const b = await decodeCheckpoint(tuned.last);
    const kernel = (c: typeof a) => c.tensors.find((t) => t.name === 'seg/head/kernel')!.data;
    for (const [i, v] of kernel(b).entries()) expect(v).toBeCloseTo(kernel(a)[i]!, 5);
    await expect(trainModel({ ...base, preset: loadPreset('mid'), startFrom: first.last })).rejects.toThrow(
      /the checkpoint to start from is preset lite/,
    );
  }, 60_000);
});
