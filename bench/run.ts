/**
 * Every speed figure of pnet in one run, written to bench/REPORT.md (and printed): training per backend and
 * preset, inference per runtime, pnet's export against a naive one, the graph layouts per runtime (with
 * onnxruntime's profile), the machine's MatMul ceiling, latency against the point count
 * (bench/latency-vs-points.svg), peak memory per section, and the speed targets checked against them.
 *
 *   npm run bench        (= node bin/run-ts.js bench/run.ts; ~5–10 minutes on 2 cores)
 *   npm run bench -- --no-training     everything but the training section (the slowest)
 *   npm run bench -- --report DIR/R.md  write the report (and the plot beside it) elsewhere
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import { buildOnnxModel, describeOnnx } from '../exporters/onnx/index.ts';
import { nodeSessionOptions, probeCuda } from '../runtime/node/index.ts';
import { listBackends, releaseBackend } from '../src/backend/index.ts';
import { writeFileAtomic } from '../src/core/node/atomic-write.ts';
import { randomWeightModel, type ParityCloud, type RuntimeOutcome } from '../src/parity/index.ts';
import { openChromiumRunner } from '../src/parity/runs/browser.ts';
import { runOrtNode } from '../src/parity/runs/ort-node.ts';
import { runOrtWebInNode } from '../src/parity/runs/ort-web-node.ts';
import { runTfjs } from '../src/parity/runs/tfjs.ts';
import { Rng } from '../src/core/rng.ts';
import { PNET_VERSION } from '../src/core/version.ts';
import { benchLatencyVsPoints, LATENCY_SVG } from './latency-vs-points.ts';
import { benchGraphLayouts, targetsTable, type TargetResult } from './graph-layouts.ts';
import { flag } from './flags.ts';
import { matmulModel } from './matmul-model.ts';

/** Per-point cost at the largest cloud of the latency section over the cost at 1024 points. */
const LARGE_CLOUD_TARGET = 1.2;

const DEFAULT_REPORT = fileURLToPath(new URL('./REPORT.md', import.meta.url));
const POINTS = 1024;
const CLASSES = 5;

// ---------------------------------------------------------------------------------------------------------------
// Memory: the process's RSS sampled every 50 ms, the peak kept per section.

class RssSampler {
  private sectionPeak = 0;
  private overallPeak = 0;
  private readonly timer: NodeJS.Timeout;
  readonly sections: Array<{ name: string; peakMb: number; seconds: number }> = [];

  constructor() {
    this.timer = setInterval(() => this.sample(), 50);
    this.timer.unref();
  }

  private sample(): void {
    const rss = process.memoryUsage().rss;
    this.sectionPeak = Math.max(this.sectionPeak, rss);
    this.overallPeak = Math.max(this.overallPeak, rss);
  }

  async section<T>(name: string, work: () => Promise<T>): Promise<T> {
    process.stderr.write(`bench: ${name}…\n`);
    this.sample();
    this.sectionPeak = process.memoryUsage().rss;
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.sample();
      const seconds = (performance.now() - start) / 1000;
      this.sections.push({ name, peakMb: this.sectionPeak / 2 ** 20, seconds });
      process.stderr.write(`bench: ${name} done in ${seconds.toFixed(0)} s\n`);
    }
  }

  get peakMb(): number {
    return this.overallPeak / 2 ** 20;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------------------------------------------------------

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function machine(): string[] {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpu = line.split(':')[1]!.trim();
  } catch {
    // Not Linux: os.cpus() named it.
  }
  const cuda = probeCuda();
  const gpu = cuda.available
    ? `CUDA usable (${cuda.detail})`
    : cuda.problems.some((p) => p.includes('NVIDIA driver'))
      ? 'no GPU on this machine'
      : `CUDA not usable: ${cuda.detail}`;
  return [
    `- CPU: ${cpu}, ${availableParallelism()} logical cores (from /proc/cpuinfo and os.availableParallelism())`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB; Node ${process.version} on ${process.platform}/${process.arch}`,
    `- GPU: ${gpu}. WebGPU figures come from Chromium's SwiftShader adapter — a CPU emulation of a GPU, not GPU speed.`,
    `- pnet ${PNET_VERSION}, onnxruntime-node ${ort.env.versions.node ?? '?'}`,
  ];
}

export interface CeilingComparison {
  /** The model at batch 1, each measured run. */
  modelMs: number[];
  /** Plain fp32 MatMul n³ with the same session options: the machine's practical ceiling. */
  ceiling: { n: number; gflops: number; medianMs: number };
}

/**
 * The model on onnxruntime-node CPU and a plain 2048³ MatMul, alternated in short blocks: this machine is shared and
 * its speed drifts by 2× over tens of seconds, so a ceiling measured at another moment would not be comparable.
 */
export async function ortNodeAgainstCeiling(
  modelBytes: Uint8Array,
  points: number,
  reps = 7,
  n = 2048,
): Promise<CeilingComparison> {
  const rng = new Rng(9);
  const random = (count: number) => Float32Array.from({ length: count }, () => rng.uniform(-1, 1));
  // Each session owns a thread pool whose threads spin after a run; with two sessions on 2 cores, one's spinning
  // threads would steal the cores from the other's next run. Without spinning both run as they would alone.
  const options: ort.InferenceSession.SessionOptions = {
    ...nodeSessionOptions('cpu'),
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const model = await ort.InferenceSession.create(modelBytes, options);
  const matmul = await ort.InferenceSession.create(matmulModel(n), options);
  const cloud = new ort.Tensor('float32', random(points * 3), [1, points, 3]);
  const a = new ort.Tensor('float32', random(n * n), [n, n]);
  const b = new ort.Tensor('float32', random(n * n), [n, n]);
  const time = async (run: () => Promise<unknown>) => {
    const t = performance.now();
    await run();
    return performance.now() - t;
  };
  try {
    await model.run({ points: cloud });
    await matmul.run({ a, b });
    const modelMs: number[] = [];
    const matmulMs: number[] = [];
    // Blocks of one MatMul then three model runs: the first model run of a block refills the caches the MatMul
    // took over, the other two run warm, and the median lands on a warm one.
    for (let i = 0; i < reps; i++) {
      matmulMs.push(await time(() => matmul.run({ a, b })));
      for (let j = 0; j < 3; j++) modelMs.push(await time(() => model.run({ points: cloud })));
    }
    const medianMs = median(matmulMs);
    return { modelMs, ceiling: { n, medianMs, gflops: (2 * n ** 3) / (medianMs * 1e6) } };
  } finally {
    await model.release();
    await matmul.release();
  }
}

/** A bench module another part of the project provides; its absence is reported, not fatal. */
async function optionalSection(
  file: string,
  exportName: string,
  call: (fn: (...a: unknown[]) => Promise<string>) => Promise<string>,
): Promise<string> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  if (!existsSync(path)) return `_Not measured: ${file} is not present._\n`;
  try {
    const mod = (await import(path)) as Record<string, unknown>;
    const fn = mod[exportName];
    if (typeof fn !== 'function') return `_Not measured: ${file} does not export ${exportName}()._\n`;
    return await call(fn as (...a: unknown[]) => Promise<string>);
  } catch (e) {
    return `_Failed: ${(e as Error).message.split('\n')[0]}_\n`;
  }
}

interface InferenceRow {
  runtime: string;
  outcome: RuntimeOutcome | { ran: false; reason: string };
}

function inferenceTable(rows: InferenceRow[], flopsPerCloud: number): string {
  const lines = ['| runtime | median ms / cloud | runs | GFLOP/s | note |', '|---|---:|---:|---:|---|'];
  for (const { runtime, outcome } of rows) {
    if (!outcome.ran) {
      lines.push(`| ${runtime} | — | — | — | skipped: ${outcome.reason.replace(/\|/g, '\\|')} |`);
      continue;
    }
    const ms = median(outcome.msEach);
    lines.push(
      `| ${runtime} | ${ms.toFixed(ms >= 100 ? 0 : 1)} | ${outcome.msEach.length} | ${(flopsPerCloud / (ms * 1e6)).toFixed(1)} | ${(outcome.note ?? '').replace(/\|/g, '\\|')} |`,
    );
  }
  return lines.join('\n') + '\n';
}

async function timed(runtime: string, run: () => Promise<RuntimeOutcome>): Promise<InferenceRow> {
  try {
    return { runtime, outcome: await run() };
  } catch (e) {
    return { runtime, outcome: { ran: false, reason: `error: ${(e as Error).message.split('\n')[0]}` } };
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const reportPath = resolve(flag('report') ?? DEFAULT_REPORT);
  const svgPath = join(dirname(reportPath), basename(LATENCY_SVG));
  const memory = new RssSampler();
  const dir = await mkdtemp(join(tmpdir(), 'pnet-bench-'));
  const parts: string[] = [];
  try {
    const training = process.argv.includes('--no-training')
      ? '## Training\n\n_Not measured in this run (--no-training)._\n'
      : await memory.section('training (TF.js)', () => optionalSection('./train.ts', 'benchTraining', (fn) => fn()));

    const browserTraining = process.argv.includes('--no-training')
      ? '## Training in a browser tab\n\n_Not measured in this run (--no-training)._\n'
      : await memory.section('training in a browser tab', () =>
          optionalSection('./train-browser.ts', 'benchBrowserTraining', (fn) => fn()),
        );

    const ortNode = await memory.section('onnxruntime-node: pnet export vs naive export', () =>
      optionalSection('./infer-node.ts', 'benchNodeInference', (fn) =>
        fn({ preset: 'keras', points: POINTS, batch: 8, seconds: 1.5 }),
      ),
    );

    const layouts = await memory.section('graph layouts per runtime', () =>
      benchGraphLayouts({ points: POINTS, batch: 8, seconds: 1.5 }),
    );

    const int8 = await memory.section('int8 export vs fp32 (onnxruntime-node)', () =>
      optionalSection('./int8.ts', 'benchInt8', (fn) => fn({ seconds: 1.5 })),
    );

    // One keras-preset model (random weights: timing does not depend on their values) for every runtime.
    const model = await randomWeightModel({ preset: 'keras', classes: CLASSES, seed: 7, numPoints: POINTS });
    const onnxBytes = buildOnnxModel({ ...model, checkpointSha256: '0'.repeat(64) });
    const flopsPerCloud = describeOnnx(onnxBytes).flopsPerCloud;
    const modelPath = join(dir, 'keras-random.onnx');
    await writeFile(modelPath, onnxBytes);
    const rng = new Rng(21);
    const cloud = (): ParityCloud => ({
      name: 'random',
      xyz: Float32Array.from({ length: POINTS * 3 }, () => rng.uniform(-1, 1)),
    });
    const clouds = (k: number) => Array.from({ length: k }, cloud);

    const inference: InferenceRow[] = [];
    let ceiling: CeilingComparison['ceiling'] | undefined;
    const present = new Map((await listBackends()).map((b) => [b.name, b]));
    await memory.section('inference: TF.js', async () => {
      for (const [backend, reps] of [
        ['wasm', 5],
        ['webgpu', 3],
        ['tensorflow', 5],
        ['cpu', 2],
      ] as const) {
        const probe = present.get(backend);
        if (!probe?.available)
          inference.push({
            runtime: `TF.js ${backend}`,
            outcome: { ran: false, reason: probe?.detail ?? 'unknown backend' },
          });
        else
          inference.push(
            await timed(`TF.js ${backend}`, () => runTfjs(backend, model.architecture, model.weights, clouds(reps))),
          );
      }
      releaseBackend();
    });
    await memory.section('inference: onnxruntime-node', async () => {
      const compared = await ortNodeAgainstCeiling(onnxBytes, POINTS);
      ceiling = compared.ceiling;
      const msPerCloud = compared.modelMs.reduce((x, y) => x + y, 0) / compared.modelMs.length;
      const share = (100 * flopsPerCloud) / (median(compared.modelMs) * 1e6 * ceiling.gflops);
      const note = `${availableParallelism()} threads; runs alternated with the MatMul ceiling: ${share.toFixed(0)}% of it`;
      inference.push({
        runtime: 'onnxruntime-node cpu',
        outcome: { ran: true, outputs: [], msPerCloud, msEach: compared.modelMs, note },
      });
      inference.push(await timed('onnxruntime-node cuda', () => runOrtNode('cuda', modelPath, clouds(7))));
    });
    await memory.section('inference: onnxruntime-web wasm in Node', async () => {
      inference.push(await timed('onnxruntime-web wasm (Node)', () => runOrtWebInNode(modelPath, clouds(5))));
    });
    await memory.section('inference: onnxruntime-web in Chromium', async () => {
      // SwiftShader runs the keras net at seconds per cloud: two measured runs after the warm-up.
      const webgpu = 'onnxruntime-web webgpu (Chromium)';
      const wasm = 'onnxruntime-web wasm (Chromium)';
      const runner = await openChromiumRunner(modelPath).catch((e: unknown) => ({
        unavailable: `error: ${(e as Error).message.split('\n')[0]}`,
      }));
      if ('unavailable' in runner) {
        for (const runtime of [webgpu, wasm])
          inference.push({ runtime, outcome: { ran: false, reason: runner.unavailable } });
        return;
      }
      try {
        inference.push(await timed(webgpu, () => runner.webgpu(clouds(2))));
        inference.push(await timed(wasm, () => runner.wasm(clouds(3))));
      } finally {
        await runner.close();
      }
    });

    const latency = await memory.section('latency vs points (onnxruntime-node cpu)', () =>
      benchLatencyVsPoints({ reps: 3, svgPath }),
    );

    const totalS = (performance.now() - started) / 1000;
    const first = latency.rows[0]!;
    const last = latency.rows[latency.rows.length - 1]!;
    const growth = (last.medianMs / first.medianMs) * (first.points / last.points);
    const pp = latency.perPoint;
    const targets: TargetResult[] = [
      ...layouts.targets,
      {
        name: `onnxruntime-node CPU per-point cost at ${pp.large} points over ${pp.small} (side by side)`,
        value: `${pp.ratio.toFixed(2)}×`,
        target: `≤ ${LARGE_CLOUD_TARGET}×`,
        met: pp.ratio <= LARGE_CLOUD_TARGET,
      },
    ];
    parts.push(
      '# pnet performance report',
      '',
      `Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC in ${(totalS / 60).toFixed(1)} minutes. ` +
        'Every figure below comes from this one run on this machine; other processes shared it, so treat differences under ~10% as noise.',
      '',
      '## Machine',
      '',
      ...machine(),
      ceiling
        ? `- MatMul ceiling: onnxruntime-node CPU, fp32 ${ceiling.n}³, pnet's session options: **${ceiling.gflops.toFixed(1)} GFLOP/s** ` +
            `(median ${ceiling.medianMs.toFixed(0)} ms, runs alternated with the keras model's; the speed of this shared machine drifts, so compare only figures measured side by side)`
        : '- MatMul ceiling: not measured',
      '',
      '## Targets',
      '',
      'Checked in this run, on the default (channel-first) export; the sections below have the measurements.',
      '',
      targetsTable(targets),
      training,
      browserTraining,
      `## Inference per runtime (keras preset, ${POINTS} points, batch 1)`,
      '',
      `Random weights, ${CLASSES} classes, ${(flopsPerCloud / 1e9).toFixed(2)} GFLOP per cloud (the exporter's count). Median over the runs after one warm-up; ` +
        'TF.js gets normalised points, the ONNX runtimes raw points (the graph normalises). The WebGPU row runs on SwiftShader, ' +
        'a CPU emulation of a GPU: it shows that the path works, not what a GPU would do. CUDA and WebGPU on real hardware: ' +
        (probeCuda().available ? 'see the CUDA row.' : 'no GPU on this machine, not measured.'),
      '',
      inferenceTable(inference, flopsPerCloud),
      ortNode,
      layouts.markdown,
      int8,
      '## Latency vs points (onnxruntime-node CPU, keras preset)',
      '',
      `![latency vs points](${basename(svgPath)})`,
      '',
      `Median of 3 runs after one warm-up per size, batch 1. From ${first.points} to ${last.points} points (${(last.points / first.points).toFixed(0)}× the points) ` +
        `the time grows ${(last.medianMs / first.medianMs).toFixed(0)}×, i.e. ${growth.toFixed(2)}× the per-point cost of the smallest cloud. ` +
        "The net is pointwise apart from a small per-cloud part (the T-Nets' dense layers, the global feature); in the channel-first graph every " +
        'pointwise layer is one GEMM over all the points and every max over them reads contiguous memory, so large clouds cost what their points do ' +
        '(the channel-last graph grew to ~1.5× per point from 4k points on); the last column shows it size by size.',
      '',
      latency.markdown,
      `Side by side (the target above): ${pp.blocks} blocks, each one cloud of ${pp.large} points and ${pp.large / pp.small} clouds of ${pp.small} points back to back; ` +
        `the large cloud cost ${pp.ratio.toFixed(2)}× per point (median; blocks ${pp.range.map((r) => r.toFixed(2)).join('–')}).`,
      '',
      '## Peak memory (RSS of the bench process)',
      '',
      "Sampled every 50 ms; the Chromium rows run in the browser's own processes, which this does not count.",
      '',
      '| section | peak RSS (MiB) | seconds |',
      '|---|---:|---:|',
      ...memory.sections.map((s) => `| ${s.name} | ${s.peakMb.toFixed(0)} | ${s.seconds.toFixed(0)} |`),
      `| whole run | ${memory.peakMb.toFixed(0)} | ${totalS.toFixed(0)} |`,
      '',
    );
  } finally {
    memory.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const report = parts.join('\n');
  await writeFileAtomic(reportPath, report);
  process.stdout.write(report + `\nwrote ${reportPath} and ${svgPath}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
