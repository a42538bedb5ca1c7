/**
 * Training speed: clouds/s and ms per step per backend and preset (1024 points), one inference pass, one thread
 * against two data-parallel workers (train-parallel.ts), and a per-kernel profile of one keras step with the
 * explicit-gradient layers vs TF.js autograd of the plain ones.
 * `node bin/run-ts.js bench/train.ts [--profile]`; `benchTraining()` returns the markdown.
 */
import * as tf from '@tensorflow/tfjs';
import { listBackends, selectBackend, type BackendName } from '../src/backend/index.ts';
import { PointNet } from '../src/model/pointnet.ts';
import { FAST_OPS, PLAIN_OPS, type LayerOps } from '../src/model/ops.ts';
import { initialWeights, modelArchitecture, type PresetName } from '../src/model/spec.ts';
import { loadPreset } from '../src/model/preset-files.ts';
import { Adam } from '../src/train/adam.ts';
import { trainStep } from '../src/train/step.ts';
import { benchDataParallel, randomBatch } from './train-parallel.ts';

const POINTS = 1024;
const CLASSES = 5;

/**
 * Batch per preset on one thread; keras at 16 keeps this section short (the data-parallel section, train-parallel.ts,
 * measures keras at 16 and 32, on one thread and on two workers).
 */
const BATCH: Record<PresetName, number> = { keras: 16, mid: 32, lite: 32 };

function makeModel(preset: PresetName): PointNet {
  const layout = modelArchitecture(loadPreset(preset), CLASSES);
  return PointNet.create(layout, initialWeights(layout, 1));
}

export interface StepTiming {
  backend: string;
  preset: PresetName;
  batch: number;
  msPerStep: number;
  cloudsPerSecond: number;
  inferenceMsPerCloud: number;
}

/** One warm-up step, then the median of `steps` timed steps. */
export function timeTraining(
  preset: PresetName,
  batchSize: number,
  steps: number,
  ops: LayerOps = FAST_OPS,
): Omit<StepTiming, 'backend'> {
  const model = makeModel(preset);
  const optimizer = new Adam(model.trainableParams());
  const batch = randomBatch(batchSize, 7);
  try {
    trainStep(model, optimizer, batch, 1e-3, ops);
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      trainStep(model, optimizer, batch, 1e-3, ops);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)]!;
    const x = tf.tensor3d(batch.points.subarray(0, POINTS * 3), [1, POINTS, 3]);
    model.predict(x).dispose();
    const t0 = performance.now();
    const probs = model.predict(x);
    probs.dataSync();
    const inferenceMs = performance.now() - t0;
    tf.dispose([x, probs]);
    return {
      preset,
      batch: batchSize,
      msPerStep: ms,
      cloudsPerSecond: (batchSize * 1000) / ms,
      inferenceMsPerCloud: inferenceMs,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** Top kernels of one training step, by summed kernel time (nested customGrad bodies are listed as `forward`). */
export async function profileStep(
  preset: PresetName,
  batchSize: number,
  ops: LayerOps,
  top = 12,
): Promise<{ totalMs: number; rows: Array<{ kernel: string; ms: number; calls: number }> }> {
  const model = makeModel(preset);
  const optimizer = new Adam(model.trainableParams());
  const batch = randomBatch(batchSize, 7);
  try {
    trainStep(model, optimizer, batch, 1e-3, ops);
    const t0 = performance.now();
    const profile = await tf.profile(() => {
      trainStep(model, optimizer, batch, 1e-3, ops);
    });
    const totalMs = performance.now() - t0;
    const agg = new Map<string, { ms: number; calls: number }>();
    for (const k of profile.kernels) {
      if (k.name === 'forward') continue; // the customGrad wrapper; its kernels are listed themselves
      const a = agg.get(k.name) ?? { ms: 0, calls: 0 };
      a.ms += Number(k.kernelTimeMs);
      a.calls++;
      agg.set(k.name, a);
    }
    const rows = [...agg]
      .map(([kernel, a]) => ({ kernel, ...a }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top);
    return { totalMs, rows };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

export async function benchTraining(options: { profile?: boolean; steps?: number } = {}): Promise<string> {
  const steps = options.steps ?? 2;
  const present = (await listBackends()).filter((b) => b.available).map((b) => b.name as BackendName);
  const lines = [
    '## Training (TF.js)',
    '',
    `${POINTS} points per cloud, random clouds, ${CLASSES} classes; median of ${steps} steps after one warm-up.`,
    '',
    '| backend | preset | batch | ms / step | clouds / s | inference ms / cloud |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const name of present) {
    const selected = await selectBackend(name);
    for (const preset of ['lite', 'keras'] as const) {
      // The JS cpu backend needs minutes for one keras step: measure lite only there.
      if (selected.name === 'cpu' && preset === 'keras') continue;
      const t = timeTraining(preset, selected.name === 'cpu' ? 8 : BATCH[preset], selected.name === 'cpu' ? 1 : steps);
      lines.push(
        `| ${selected.name} | ${preset} | ${t.batch} | ${t.msPerStep.toFixed(0)} | ${t.cloudsPerSecond.toFixed(2)} | ${t.inferenceMsPerCloud.toFixed(0)} |`,
      );
    }
  }
  if (present.includes('wasm')) lines.push('', await benchDataParallel({ steps, profile: options.profile }));
  if (options.profile) {
    await selectBackend('wasm');
    for (const [label, ops] of [
      ['explicit gradients (FAST_OPS)', FAST_OPS],
      ['TF.js autograd (PLAIN_OPS)', PLAIN_OPS],
    ] as const) {
      const p = await profileStep('keras', 4, ops);
      lines.push(
        '',
        `### keras, batch 4, wasm — ${label}: ${(p.totalMs / 1000).toFixed(1)} s per step`,
        '',
        '| kernel | ms | calls |',
        '|---|---:|---:|',
      );
      for (const r of p.rows) lines.push(`| ${r.kernel} | ${r.ms.toFixed(0)} | ${r.calls} |`);
    }
  }
  return lines.join('\n') + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchTraining({ profile: process.argv.includes('--profile') }));
}
