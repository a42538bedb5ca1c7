/**
 * `pnet infer --workers N` throughput: synthetic airplanes (.pts files) labelled end to end (parse, model, write)
 * by the keras-preset network with random weights, for 1 … cores workers, and where adding workers stops paying.
 *
 *   node bin/run-ts.js bench/infer-workers.ts [--clouds 48] [--max-workers N] [--repeats 2]
 */
import { formatPts } from '../src/core/formats/pts.ts';
import { describeModel } from '../src/checkpoint/meta.ts';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildOnnxModel } from '../exporters/onnx/index.ts';
import { initialWeights, modelArchitecture } from '../src/model/spec.ts';
import { loadPreset } from '../src/model/preset-files.ts';
import type { CheckpointMeta } from '../src/checkpoint/format.ts';
import { synthAirplane, SYNTH_PARTS } from '../src/data/synth.ts';
import { Rng } from '../src/core/rng.ts';
import { runInfer, type InferOptions as InferArgs } from '../src/infer/index.ts';
import { threadsPerWorker } from '../runtime/node/worker-pool.ts';
import { numberFlag } from './flags.ts';

export interface InferWorkersBenchOptions {
  /** Synthetic clouds to label per run. */
  clouds?: number;
  /** Largest worker count measured; default: the cores. */
  maxWorkers?: number;
  /** Runs per worker count; the fastest counts (the others met more interference from other processes). */
  repeats?: number;
  /** Preset of the random-weight network; default keras. */
  preset?: 'keras' | 'lite';
}

/** Speed-up under which one more worker no longer counts as scaling. */
const SCALING_THRESHOLD = 1.05;

function meta(numPoints: number, preset: ReturnType<typeof loadPreset>): CheckpointMeta {
  return describeModel({
    preset,
    classes: { names: [...SYNTH_PARTS], colors: ['#4363d8', '#e6194b', '#3cb44b', '#f032e6'] },
    category: ['Airplane'],
    numPoints,
  });
}

interface Measured {
  cloudsPerSecond: number;
  loadMs: number;
}

/** One `pnet infer` run; its summary line is the measurement (throughput after the model load, and the load). */
async function measure(args: InferArgs): Promise<Measured> {
  const printed: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void printed.push(a.join(' '));
  let code: number;
  try {
    code = await runInfer(args);
  } finally {
    console.log = log;
  }
  const text = printed.join('\n');
  const m = /([\d.]+) clouds\/s overall.*model load (\d+) ms/.exec(text);
  if (code !== 0 || !m) throw new Error(`pnet infer failed (exit ${code}): ${text}`);
  return { cloudsPerSecond: Number(m[1]), loadMs: Number(m[2]) };
}

export async function benchInferWorkers(options: InferWorkersBenchOptions = {}): Promise<string> {
  const count = options.clouds ?? 48;
  const cores = availableParallelism();
  const maxWorkers = options.maxWorkers ?? cores;
  const repeats = options.repeats ?? 2;
  const presetName = options.preset ?? 'keras';
  const dir = await mkdtemp(join(tmpdir(), 'pnet-bench-workers-'));
  try {
    const preset = loadPreset(presetName);
    const architecture = modelArchitecture(preset, SYNTH_PARTS.length);
    const model = join(dir, `${presetName}.onnx`);
    await writeFile(
      model,
      buildOnnxModel({
        architecture,
        weights: initialWeights(architecture, 1),
        meta: meta(2048, preset),
        checkpointSha256: '0'.repeat(64),
      }),
    );
    const input = join(dir, 'clouds');
    await mkdir(input);
    const rng = new Rng(2024);
    let points = 0;
    for (let i = 0; i < count; i++) {
      const cloud = synthAirplane(rng, `plane${i}`);
      points += cloud.points.length / 3;
      await writeFile(join(input, `plane${String(i).padStart(3, '0')}.pts`), formatPts(cloud.points, 5));
    }

    const rows: Array<{ workers: number; threads: number; best: Measured }> = [];
    for (let workers = 1; workers <= maxWorkers; workers++) {
      let best: Measured | undefined;
      for (let r = 0; r < repeats; r++) {
        const args: InferArgs = {
          model,
          inputs: [input],
          ep: 'cpu',
          out: join(dir, `out-${workers}-${r}`),
          format: 'seg',
          plyEncoding: 'binary',
          batch: 8,
          workers,
          eval: false,
          probabilities: false,
        };
        const m = await measure(args);
        if (!best || m.cloudsPerSecond > best.cloudsPerSecond) best = m;
      }
      rows.push({ workers, threads: workers === 1 ? cores : threadsPerWorker(workers, cores), best: best! });
    }

    const base = rows[0]!.best.cloudsPerSecond;
    const stopAt = rows.findIndex(
      (row, i) => i > 0 && row.best.cloudsPerSecond < rows[i - 1]!.best.cloudsPerSecond * SCALING_THRESHOLD,
    );
    const verdict =
      stopAt < 0
        ? `Still scaling at ${rows.at(-1)!.workers} workers (each step ≥ ${((SCALING_THRESHOLD - 1) * 100).toFixed(0)}% faster than the one before).`
        : `Scaling stops at ${rows[stopAt - 1]!.workers} worker${stopAt === 1 ? '' : 's'}: ${rows[stopAt]!.workers} workers are ` +
          `${(rows[stopAt]!.best.cloudsPerSecond / rows[stopAt - 1]!.best.cloudsPerSecond).toFixed(2)}× as fast (< ${SCALING_THRESHOLD}×).`;
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    return [
      `## pnet infer --workers: clouds/s by worker count`,
      '',
      `${cpu}, ${cores} cores. ${count} synthetic airplanes (${Math.round(points / count)} points on average, .pts text), ` +
        `preset ${presetName} with random weights, ${SYNTH_PARTS.length} classes, --batch 8, seg output; end to end after the ` +
        `model load (parse, run, write). 1 worker = the in-thread path with all cores to ORT; N workers = N sessions with ` +
        `cores/N ORT threads each. Best of ${repeats} runs.`,
      '',
      '| workers | ORT threads each | clouds/s | speed-up vs 1 | model load ms |',
      '|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.workers} | ${r.threads} | ${r.best.cloudsPerSecond.toFixed(1)} | ${(r.best.cloudsPerSecond / base).toFixed(2)}× | ${r.best.loadMs.toFixed(0)} |`,
      ),
      '',
      verdict,
      '',
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(
    await benchInferWorkers({
      clouds: numberFlag('clouds'),
      maxWorkers: numberFlag('max-workers'),
      repeats: numberFlag('repeats'),
    }),
  );
}
