/**
 * Data-parallel training speed on wasm: clouds/s of one thread against two worker threads (src/train/parallel),
 * measured side by side in one run (steps alternated with each other and with onnxruntime-node's fp32 MatMul,
 * the machine's ceiling), and each step's MatMul work as a fraction of that ceiling. Targets: two workers ≥ 1.8×
 * one, lite batch 32 ≤ 2.2 s and keras batch 32 ≤ 14 s per step (PyTorch 1.13 with 2 threads on this machine).
 * `node bin/run-ts.js bench/train-parallel.ts [--profile]`; `benchDataParallel()` returns the markdown.
 */
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { selectBackend } from '../src/backend/index.ts';
import { PointNet } from '../src/model/pointnet.ts';
import { initialWeights, modelArchitecture, type ModelArchitecture, type PresetName } from '../src/model/spec.ts';
import { loadPreset } from '../src/model/preset-files.ts';
import { Rng } from '../src/core/rng.ts';
import { Adam } from '../src/train/adam.ts';
import { createStepExecutor } from '../src/train/parallel/executor.ts';
import { spawnNodeStepWorker } from '../src/train/parallel/node-transport.ts';
import type { StepExecutor } from '../src/train/step-executor.ts';
import { checkWasmMemory } from '../src/train/wasm-memory.ts';
import { nodeSessionOptions } from '../runtime/node/index.ts';
import type { Batch } from '../src/data/types.ts';
import { matmulModel } from './matmul-model.ts';

const POINTS = 1024;
const CLASSES = 5;
const TARGET_SPEEDUP = 1.8;
const TARGET_STEP_S: Partial<Record<PresetName, number>> = { lite: 2.2, keras: 14 };
/**
 * Steps before measuring. Each wasm heap grows over a run's first steps (to 1.45 GB for keras batch 16, in 128 MB
 * jumps at steps 2 and 4), and every first touch of its new pages is a page fault: 40–50 k faults, 0.4–0.5 s of
 * kernel time per jump on one thread and up to 2 s with two heaps growing at once. A training run pays that once;
 * its hundreds of later steps run on a heap that no longer grows, which is what this measures.
 */
const WARMUP_STEPS = 4;

/** Random clouds of POINTS points with random labels over CLASSES classes: what every training bench step runs on. */
export function randomBatch(size: number, seed: number): Batch {
  const rng = new Rng(seed);
  return {
    size,
    numPoints: POINTS,
    points: Float32Array.from({ length: size * POINTS * 3 }, () => rng.uniform(-0.6, 0.6)),
    labels: Int32Array.from({ length: size * POINTS }, () => rng.int(CLASSES)),
  };
}

/**
 * MatMul FLOPs of one textbook training step, the useful work: forward 2·rows·in·out per layer (rows B·N for
 * pointwise layers and transforms, B for dense layers and the global feature's share of the seg head), backward
 * twice that (dx and dW). The pooled blocks' backward pass (src/model/ops.ts) does less than this count.
 */
export function trainingStepFlops(layout: ModelArchitecture, batch: number, points: number): number {
  const rows = batch * points;
  let forward = 0;
  const pointwise = (inputs: number, outputs: number) => (forward += 2 * rows * inputs * outputs);
  const perCloud = (inputs: number, outputs: number) => (forward += 2 * batch * inputs * outputs);
  for (const t of [layout.inputTnet, layout.featureTnet]) {
    for (const b of t.conv) pointwise(b.inputs, b.outputs);
    for (const b of t.dense) perCloud(b.inputs, b.outputs);
    perCloud(t.finalInputs, t.k * t.k);
    pointwise(t.k, t.k);
  }
  for (const b of [...layout.features, ...layout.features2]) pointwise(b.inputs, b.outputs);
  const global = layout.concatWidths.at(-1)!;
  pointwise(layout.segHidden.inputs - global, layout.segHidden.outputs);
  perCloud(global, layout.segHidden.outputs);
  pointwise(layout.segHidden.outputs, layout.numClasses);
  return 3 * forward;
}

interface Trainer {
  model: PointNet;
  optimizer: Adam;
  executor: StepExecutor;
}

async function trainer(layout: ModelArchitecture, workers: number): Promise<Trainer> {
  const model = PointNet.create(layout, initialWeights(layout, 1));
  const optimizer = new Adam(model.trainableParams());
  return {
    model,
    optimizer,
    executor: await createStepExecutor({ workers, backend: 'wasm', model, optimizer, spawn: spawnNodeStepWorker }),
  };
}

async function closeTrainer(t: Trainer): Promise<void> {
  await t.executor.close();
  t.optimizer.dispose();
  t.model.dispose();
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return (performance.now() - t0) / 1000;
}

/** onnxruntime-node's fp32 2048³ MatMul on every core: the machine's practical ceiling right now. */
async function openCeiling(n = 2048): Promise<{ gflops(): Promise<number>; close(): Promise<void> }> {
  const options: ort.InferenceSession.SessionOptions = {
    ...nodeSessionOptions('cpu'),
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const session = await ort.InferenceSession.create(matmulModel(n), options);
  const rng = new Rng(3);
  const m = () =>
    new ort.Tensor(
      'float32',
      Float32Array.from({ length: n * n }, () => rng.uniform(-1, 1)),
      [n, n],
    );
  const [a, b] = [m(), m()];
  await session.run({ a, b });
  return {
    async gflops() {
      const s = median([
        await seconds(() => session.run({ a, b })),
        await seconds(() => session.run({ a, b })),
        await seconds(() => session.run({ a, b })),
      ]);
      return (2 * n ** 3) / (s * 1e9);
    },
    close: () => session.release(),
  };
}

interface Row {
  preset: PresetName;
  batch: number;
  oneS?: number;
  twoS: number;
  gflop: number;
  ceiling: number;
}

/** Alternates one-thread and two-worker steps (and the ceiling) `steps` times after the warm-up; medians. */
async function measure(
  preset: PresetName,
  batch: number,
  steps: number,
  ceiling: { gflops(): Promise<number> },
): Promise<Row> {
  const layout = modelArchitecture(loadPreset(preset), CLASSES);
  let fitsOne = true;
  try {
    checkWasmMemory(layout.preset, batch, POINTS, 1);
  } catch {
    fitsOne = false;
  }
  const data = randomBatch(batch, 7);
  const one = fitsOne ? await trainer(layout, 1) : undefined;
  const two = await trainer(layout, 2);
  try {
    for (let i = 0; i < WARMUP_STEPS; i++) {
      await one?.executor.trainStep(data, 1e-3);
      await two.executor.trainStep(data, 1e-3);
    }
    const oneS: number[] = [];
    const twoS: number[] = [];
    const peaks: number[] = [];
    for (let i = 0; i < steps; i++) {
      if (one) oneS.push(await seconds(() => one.executor.trainStep(data, 1e-3)));
      twoS.push(await seconds(() => two.executor.trainStep(data, 1e-3)));
      peaks.push(await ceiling.gflops());
    }
    return {
      preset,
      batch,
      oneS: one ? median(oneS) : undefined,
      twoS: median(twoS),
      gflop: trainingStepFlops(layout, batch, POINTS) / 1e9,
      ceiling: median(peaks),
    };
  } finally {
    if (one) await closeTrainer(one);
    await closeTrainer(two);
  }
}

/** Top kernels of this thread's share of a two-worker step (the other worker runs the same kernels beside it). */
async function profileShare(preset: PresetName, batch: number, top = 12): Promise<string[]> {
  const t = await trainer(modelArchitecture(loadPreset(preset), CLASSES), 2);
  const data = randomBatch(batch, 7);
  try {
    await t.executor.trainStep(data, 1e-3);
    const t0 = performance.now();
    const profile = await tf.profile(async () => {
      await t.executor.trainStep(data, 1e-3);
    });
    const wall = (performance.now() - t0) / 1000;
    const agg = new Map<string, { ms: number; calls: number }>();
    for (const k of profile.kernels) {
      if (k.name === 'forward') continue;
      const a = agg.get(k.name) ?? { ms: 0, calls: 0 };
      a.ms += Number(k.kernelTimeMs);
      a.calls++;
      agg.set(k.name, a);
    }
    const rows = [...agg].sort((a, b) => b[1].ms - a[1].ms);
    const kernelMs = rows.reduce((s, [, a]) => s + a.ms, 0);
    return [
      `### ${preset}, batch ${batch} on 2 workers (${batch / 2} clouds each), wasm — one worker's kernels: ${wall.toFixed(1)} s per step, ` +
        `${(kernelMs / 1000).toFixed(1)} s in kernels, the rest waiting for the other worker and reducing`,
      '',
      '| kernel | ms | calls |',
      '|---|---:|---:|',
      ...rows.slice(0, top).map(([kernel, a]) => `| ${kernel} | ${a.ms.toFixed(0)} | ${a.calls} |`),
      '',
    ];
  } finally {
    await closeTrainer(t);
  }
}

const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

/**
 * Measured steps per row: at least 3, and lite's (a second or two each) three times as many, since the jitter of
 * this shared machine weighs most on short steps.
 */
const stepsFor = (preset: PresetName, steps: number) => Math.max(3, steps) * (preset === 'lite' ? 3 : 1);

export async function benchDataParallel(options: { steps?: number; profile?: boolean } = {}): Promise<string> {
  const steps = options.steps ?? 3;
  await selectBackend('wasm');
  const ceiling = await openCeiling();
  const rows: Row[] = [];
  try {
    for (const [preset, batch] of [
      ['lite', 32],
      ['keras', 16],
      ['keras', 32],
    ] as const)
      rows.push(await measure(preset, batch, stepsFor(preset, steps), ceiling));
  } finally {
    await ceiling.close();
  }
  const s = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(2));
  const lines = [
    '## Data-parallel training (wasm, 2 worker threads)',
    '',
    `${POINTS} points per cloud, random clouds, ${CLASSES} classes; median of ${stepsFor('keras', steps)} steps (lite: ${stepsFor('lite', steps)}) after ${WARMUP_STEPS} warm-up steps (while the wasm heaps grow), one-thread and two-worker steps ` +
      "alternated, each followed by onnxruntime-node's fp32 2048³ MatMul on every core (the ceiling). GFLOP per step counts the MatMuls of " +
      "the textbook step, the forward pass and twice that for the backward pass: the useful work. pnet's backward pass does less (the three " +
      'pooled layers work at their arg-max winners and through K×K products), so GFLOP/s is the rate of useful work.',
    '',
    '| preset | batch | 1 thread s / step | clouds / s | 2 workers s / step | clouds / s | speed-up | GFLOP / step | GFLOP/s (2 workers) | MatMul ceiling GFLOP/s | share of ceiling |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const speedup = r.oneS ? r.oneS / r.twoS : undefined;
    const rate = r.gflop / r.twoS;
    lines.push(
      `| ${r.preset} | ${r.batch} | ${s(r.oneS)}${r.oneS ? '' : ' (does not fit one heap)'} | ${r.oneS ? (r.batch / r.oneS).toFixed(2) : '—'} | ${s(r.twoS)} | ` +
        `${(r.batch / r.twoS).toFixed(2)} | ${speedup ? `${speedup.toFixed(2)}×` : '—'} | ${r.gflop.toFixed(0)} | ${rate.toFixed(1)} | ${r.ceiling.toFixed(0)} | ${((100 * rate) / r.ceiling).toFixed(0)}% |`,
    );
  }
  lines.push('', 'Targets:', '');
  for (const r of rows) {
    if (r.oneS)
      lines.push(
        `- ${r.preset} batch ${r.batch}: 2 workers ${(r.oneS / r.twoS).toFixed(2)}× one thread (target ≥ ${TARGET_SPEEDUP}×): ${verdict(r.oneS / r.twoS >= TARGET_SPEEDUP)}`,
      );
    const target = TARGET_STEP_S[r.preset];
    if (r.batch === 32 && target)
      lines.push(
        `- ${r.preset} batch 32 step: ${r.twoS.toFixed(2)} s (target ≤ ${target} s): ${verdict(r.twoS <= target)}`,
      );
  }
  if (options.profile) {
    lines.push('');
    for (const [preset, batch] of [
      ['lite', 32],
      ['keras', 32],
    ] as const)
      lines.push(...(await profileShare(preset, batch)));
  }
  return lines.join('\n') + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(
    await benchDataParallel({
      profile: process.argv.includes('--profile'),
      steps: Number(process.env.PNET_BENCH_STEPS ?? 3),
    }),
  );
}
