/**
 * int8 export (`pnet export --int8`) against float32, measured side by side:
 * - Latency: onnxruntime-node CPU, 1024 points, batch 1 and 8, the fp32 and int8 builds of the same weights timed
 *   round-robin in one process (timeInterleaved), file sizes beside. keras and lite presets with random weights
 *   (latency does not depend on their values), calibrated on seeded synthetic airplanes.
 * - Accuracy (with --checkpoint and --data): instance mIoU on every original point of every cloud of the dataset's
 *   official val split, fp32 against int8 builds (each calibration method, and the feature T-Net's final layer in
 *   int8 or fp32). Calibration takes --calibration-clouds val clouds spread evenly over the split, so the
 *   held-out rows score the val clouds that calibration never saw.
 * - onnxruntime-web WASM in Chromium: the same fp32 and int8 builds in the demo's cross-origin-isolated page, run
 *   alternately with onnxruntime-node at the same thread count (chromium-wasm.ts), batch 1.
 * - With --profile: onnxruntime's profiler by op type, fp32 beside int8 at batch 1, for each preset on onnxruntime-node CPU
 *   and on onnxruntime-web WASM (the build a page runs, one thread, in a child process).
 *
 *   node bin/run-ts.js bench/int8.ts [--seconds 2] [--checkpoint runs/x/best.ckpt --data DIR] [--profile]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import { buildInt8Model, buildOnnxModel, defaultFloat32Layers, type Int8Options } from '../exporters/onnx/index.ts';
import { readCheckpointForExport } from '../exporters/onnx/export-checkpoint.ts';
import { evenlySpread } from '../src/quantize/calibration-data.ts';
import type { OnnxExportInput } from '../exporters/onnx/build-model.ts';
import { nodeSessionOptions } from '../runtime/node/index.ts';
import { randomWeightModel } from '../src/parity/index.ts';
import { synthAirplane } from '../src/data/synth.ts';
import { indexDataset } from '../src/data/layout.ts';
import { parseCloud } from '../src/data/parse-cloud.ts';
import { SegmentationMetrics, partsByCategory } from '../src/core/metrics.ts';
import { Rng } from '../src/core/rng.ts';
import { TENSOR_NAMES } from '../src/core/contract.ts';
import { cloudBatch, timeInterleaved, type Timing } from './infer-node.ts';
import { chromiumWasmAgainstNode } from './chromium-wasm.ts';
import { flag, numberFlag } from './flags.ts';
import { profileNode, profileTable, profileWasm, type OpProfile } from './ort-profile.ts';

const POINTS = 1024;
const BATCH = 8;
const SYNTH_CALIBRATION_CLOUDS = 16;
const SHA = '0'.repeat(64);

function synthClouds(count: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => synthAirplane(rng.fork(i + 1), `calibration_${i}`).points);
}

async function int8Of(input: OnnxExportInput, clouds: Float32Array[], name: string, options: Int8Options) {
  return buildInt8Model(input, { clouds, source: 'cloud-files', categories: ['Airplane'], sha256: '', name }, options);
}

// Threads that spin while idle would steal the 2 cores from the session that is running.
const sessionOptions = (): ort.InferenceSession.SessionOptions => ({
  ...nodeSessionOptions('cpu'),
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});

interface LatencyRow {
  model: string;
  fp32Bytes: number;
  int8Bytes: number;
  b1: [Timing, Timing];
  b8: [Timing, Timing];
}

async function latency(model: string, fp32: Uint8Array, int8: Uint8Array, seconds: number): Promise<LatencyRow> {
  const [f, q] = await Promise.all([fp32, int8].map((b) => ort.InferenceSession.create(b, sessionOptions())));
  const one = new ort.Tensor('float32', cloudBatch(1, POINTS, 1), [1, POINTS, 3]);
  const many = new ort.Tensor('float32', cloudBatch(BATCH, POINTS, 2), [BATCH, POINTS, 3]);
  try {
    const [f1, q1, f8, q8] = await timeInterleaved(
      [
        () => f!.run({ points: one }),
        () => q!.run({ points: one }),
        () => f!.run({ points: many }),
        () => q!.run({ points: many }),
      ],
      seconds,
    );
    return { model, fp32Bytes: fp32.length, int8Bytes: int8.length, b1: [f1!, q1!], b8: [f8!, q8!] };
  } finally {
    await Promise.all([f!.release(), q!.release()]);
  }
}

/** The int8 targets, checked on the keras row: latency ≤ 0.6× fp32 at batch 1 and 8, file ≤ 0.35× fp32. */
function targetLines(keras: LatencyRow): string[] {
  const check = (name: string, value: number, limit: number) =>
    `| ${name} | ${value.toFixed(2)}× | ≤ ${limit}× | ${value <= limit ? 'met' : '**missed**'} |`;
  return [
    '| target (keras) | measured | target | |',
    '|---|---:|---:|---|',
    check('int8 / fp32 latency, B=1', keras.b1[1].medianMs / keras.b1[0].medianMs, 0.6),
    check(`int8 / fp32 latency, B=${BATCH}`, keras.b8[1].medianMs / keras.b8[0].medianMs, 0.6),
    check('int8 / fp32 file size', keras.int8Bytes / keras.fp32Bytes, 0.35),
    '',
  ];
}

function latencyTable(rows: LatencyRow[]): string {
  const ratio = (t: [Timing, Timing]) => (t[1].medianMs / t[0].medianMs).toFixed(2);
  const ms = (t: Timing) => `${t.medianMs.toFixed(1)} (±${(t.spread * 100).toFixed(0)}%)`;
  return [
    `| model | fp32 MB | int8 MB | size int8/fp32 | B=1 fp32 ms | B=1 int8 ms | B=1 int8/fp32 | B=${BATCH} fp32 ms | B=${BATCH} int8 ms | B=${BATCH} int8/fp32 |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${(r.fp32Bytes / 1e6).toFixed(2)} | ${(r.int8Bytes / 1e6).toFixed(2)} | ${(r.int8Bytes / r.fp32Bytes).toFixed(2)} | ` +
        `${ms(r.b1[0])} | ${ms(r.b1[1])} | ${ratio(r.b1)} | ${ms(r.b8[0])} | ${ms(r.b8[1])} | ${ratio(r.b8)} |`,
    ),
  ].join('\n');
}

/** The same builds in onnxruntime-web WASM in Chromium, alternated with onnxruntime-node at the same thread count. */
async function chromiumWasmTable(builds: Map<string, [Uint8Array, Uint8Array]>): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'pnet-int8-chromium-'));
  try {
    const files = new Map<string, string>();
    for (const [preset, [fp32, int8]] of builds) {
      for (const [precision, bytes] of [
        ['fp32', fp32],
        ['int8', int8],
      ] as const) {
        const path = join(dir, `${preset}-${precision}.onnx`);
        await writeFile(path, bytes);
        files.set(`${preset} ${precision}`, path);
      }
    }
    const result = await chromiumWasmAgainstNode(files, POINTS, [1, 2], 5);
    if (result.unavailable) return [`_onnxruntime-web WASM in Chromium not measured: ${result.unavailable}._`, ''];
    const ms = (model: string, threads: number) => result.rows.find((r) => r.model === model && r.threads === threads)!;
    const lines = [
      '### onnxruntime-web WASM in Chromium',
      '',
      `The same builds in the demo's cross-origin-isolated page, batch 1, ${POINTS} points; each run alternates with ` +
        'onnxruntime-node CPU at the same thread count (median of 5 rounds).',
      '',
      '| model | threads | wasm fp32 ms | wasm int8 ms | wasm int8/fp32 | node fp32 ms | node int8 ms | node int8/fp32 |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    ];
    for (const preset of builds.keys()) {
      for (const threads of [1, 2]) {
        const [f, q] = [ms(`${preset} fp32`, threads), ms(`${preset} int8`, threads)];
        if (!f || !q) continue;
        lines.push(
          `| ${preset} | ${threads} | ${f.chromiumMs.toFixed(0)} | ${q.chromiumMs.toFixed(0)} | ${(q.chromiumMs / f.chromiumMs).toFixed(2)}× | ` +
            `${f.nodeMs.toFixed(1)} | ${q.nodeMs.toFixed(1)} | ${(q.nodeMs / f.nodeMs).toFixed(2)}× |`,
        );
      }
    }
    return [...lines, ''];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Where int8 gains and loses, batch 1: each runtime's profiler by op type (after its fusions), fp32 beside int8,
 * for each preset on onnxruntime-node CPU and on onnxruntime-web WASM (one thread, in Node: the build a page runs).
 */
async function profileTables(builds: Map<string, [Uint8Array, Uint8Array]>): Promise<string[]> {
  const one = new ort.Tensor('float32', cloudBatch(1, POINTS, 1), [1, POINTS, 3]);
  const lines: string[] = [];
  for (const [preset, [fp32, int8]] of builds) {
    const columns: Array<[string, OpProfile]> = [
      ['fp32, node cpu', await profileNode(fp32, one, 10, sessionOptions())],
      ['int8, node cpu', await profileNode(int8, one, 10, sessionOptions())],
    ];
    try {
      columns.push(['fp32, web wasm', await profileWasm(fp32, POINTS, 5)]);
      columns.push(['int8, web wasm', await profileWasm(int8, POINTS, 5)]);
    } catch (e) {
      lines.push(`_onnxruntime-web WASM profile of ${preset} not taken: ${(e as Error).message.split('\n')[0]}_`, '');
    }
    lines.push(
      `### ${preset}, B=1: ms per run by op type (onnxruntime's profiler, after its fusions; node at 2 threads, WASM at 1)`,
      '',
      ...profileTable(columns),
    );
  }
  return lines;
}

interface ValCloud {
  points: Float32Array;
  labels: Int32Array;
  category: string;
}

/** Every cloud of the official val split of `data` (the model's categories), at its original points. */
function valClouds(data: string, categories: string[]): ValCloud[] {
  const index = indexDataset(data, categories);
  const val = new Set(index.officialSplit?.val ?? []);
  if (val.size === 0) throw new Error(`${data}: no official val split`);
  const noneClass = index.classes.names.length - 1;
  return index.sources
    .filter((s) => val.has(s.id))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((s) => {
      const c = parseCloud(s, noneClass);
      return { points: c.points, labels: c.labels!, category: c.category };
    });
}

async function scoreMiou(
  bytes: Uint8Array,
  input: OnnxExportInput,
  clouds: ValCloud[],
  subsets: Array<Set<number>>,
): Promise<{ miou: number[]; labels: BigInt64Array[] }> {
  const session = await ort.InferenceSession.create(bytes, sessionOptions());
  const names = input.meta.classes.names;
  const metrics = subsets.map(() => new SegmentationMetrics(names.length, partsByCategory(input.meta.category, names)));
  const labels: BigInt64Array[] = [];
  try {
    for (let i = 0; i < clouds.length; i++) {
      const c = clouds[i]!;
      const out = await session.run({
        [TENSOR_NAMES.points]: new ort.Tensor('float32', c.points, [1, c.points.length / 3, 3]),
      });
      labels.push(out[TENSOR_NAMES.labels]!.data as BigInt64Array);
      const probabilities = out[TENSOR_NAMES.probabilities]!.data as Float32Array;
      subsets.forEach((s, k) => {
        if (s.has(i)) metrics[k]!.addShapeScores(probabilities, c.labels, c.category);
      });
    }
  } finally {
    await session.release();
  }
  return { miou: metrics.map((m) => m.summary().miou), labels };
}

export interface Int8BenchOptions {
  seconds?: number;
  checkpoint?: string;
  data?: string;
  calibrationClouds?: number;
  profile?: boolean;
  /** The onnxruntime-web WASM in Chromium table; default true. */
  browser?: boolean;
}

export async function benchInt8(options: Int8BenchOptions = {}): Promise<string> {
  const seconds = options.seconds ?? 2;
  const parts: string[] = ['## int8 export (onnxruntime-node CPU)', ''];
  const calibration = synthClouds(SYNTH_CALIBRATION_CLOUDS, 5);
  const rows: LatencyRow[] = [];
  const builds = new Map<string, [Uint8Array, Uint8Array]>();
  for (const preset of ['keras', 'lite'] as const) {
    const model = await randomWeightModel({ preset, classes: 4, seed: 7, numPoints: POINTS });
    const input = { ...model, checkpointSha256: SHA };
    const fp32 = buildOnnxModel(input);
    const int8 = (await int8Of(input, calibration, 'synthetic', { method: 'minmax' })).bytes;
    builds.set(preset, [fp32, int8]);
    rows.push(await latency(`${preset} (random weights)`, fp32, int8, seconds));
  }
  let real: OnnxExportInput | undefined;
  if (options.checkpoint) {
    real = await readCheckpointForExport(options.checkpoint);
  }
  parts.push(
    `fp32 and int8 builds of the same weights, ${POINTS} points, timed round-robin in one process after warm-up ` +
      `(medians; ± is the interquartile range over the median). int8: QDQ, weights int8 per output channel, ` +
      `activations uint8 calibrated (minmax) on ${SYNTH_CALIBRATION_CLOUDS} synthetic airplanes.`,
    '',
  );

  if (real && options.data) {
    const val = valClouds(options.data, real.meta.category);
    const k = options.calibrationClouds ?? 64;
    const picked = evenlySpread(val.length, k);
    const pickedSet = new Set(picked);
    const all = new Set(val.map((_, i) => i));
    const heldOut = new Set([...all].filter((i) => !pickedSet.has(i)));
    const clouds = picked.map((i) => val[i]!.points);
    const fp32 = buildOnnxModel(real);
    const base = await scoreMiou(fp32, real, val, [all, heldOut]);
    const keep = defaultFloat32Layers(real.architecture);
    const without = (layers: string[]) => keep.filter((l) => !layers.includes(l));
    const coordinates = keep.filter(
      (l) => l !== real.architecture.headPrefix && l !== real.architecture.inputTnet.finalPrefix,
    );
    const variants: Array<[string, Int8Options]> = [
      ['int8 minmax (default)', { method: 'minmax' }],
      ['int8 percentile 99.99', { method: 'percentile', percentile: 99.99 }],
      ['int8 percentile 99.999', { method: 'percentile', percentile: 99.999 }],
      [
        'minmax, feature T-Net final in fp32 too',
        { method: 'minmax', float32Layers: [...keep, real.architecture.featureTnet.finalPrefix] },
      ],
      [
        `minmax, coordinate layers in int8 too (${coordinates.join(', ')})`,
        { method: 'minmax', float32Layers: without(coordinates) },
      ],
      [
        'minmax, input T-Net final in int8 too',
        { method: 'minmax', float32Layers: without([real.architecture.inputTnet.finalPrefix]) },
      ],
      ['minmax, seg head in int8 too', { method: 'minmax', float32Layers: without([real.architecture.headPrefix]) }],
      ['minmax, every Conv and Gemm in int8', { method: 'minmax', float32Layers: [] }],
    ];
    const lines = [
      `| build | bytes | val mIoU (${val.length} clouds) | Δ vs fp32 | held-out val mIoU (${heldOut.size}) | Δ vs fp32 | labels = fp32 |`,
      '|---|---:|---:|---:|---:|---:|---:|',
      `| fp32 | ${fp32.length} | ${base.miou[0]!.toFixed(4)} | | ${base.miou[1]!.toFixed(4)} | | |`,
    ];
    let minmaxInt8: Uint8Array | undefined;
    for (const [name, o] of variants) {
      const built = await int8Of(real, clouds, 'val-subset', o);
      if (name === 'int8 minmax (default)') minmaxInt8 = built.bytes;
      const s = await scoreMiou(built.bytes, real, val, [all, heldOut]);
      let same = 0;
      let n = 0;
      s.labels.forEach((l, i) => {
        for (let j = 0; j < l.length; j++) same += l[j] === base.labels[i]![j] ? 1 : 0;
        n += l.length;
      });
      lines.push(
        `| ${name} | ${built.bytes.length} | ${s.miou[0]!.toFixed(4)} | ${(s.miou[0]! - base.miou[0]!).toFixed(4)} | ` +
          `${s.miou[1]!.toFixed(4)} | ${(s.miou[1]! - base.miou[1]!).toFixed(4)} | ${((100 * same) / n).toFixed(2)}% |`,
      );
    }
    rows.push(await latency(`${real.meta.preset.name} (${options.checkpoint})`, fp32, minmaxInt8!, seconds));
    parts.push(latencyTable(rows), '', ...targetLines(rows[0]!));
    parts.push(
      `### Accuracy: ${options.checkpoint} on the val split of ${options.data}`,
      '',
      `Instance mIoU over every original point of each val cloud (category parts only, ShapeNet protocol). ` +
        `Calibration: ${picked.length} val clouds spread evenly over the split; "held-out" scores the other ${heldOut.size}.`,
      '',
      ...lines,
      '',
    );
  } else {
    parts.push(latencyTable(rows), '', ...targetLines(rows[0]!));
  }

  if (options.browser !== false) parts.push(...(await chromiumWasmTable(builds)));

  if (options.profile) parts.push(...(await profileTables(builds)));
  return parts.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(
    `${await benchInt8({
      seconds: numberFlag('seconds'),
      checkpoint: flag('checkpoint'),
      data: flag('data'),
      calibrationClouds: numberFlag('calibration-clouds'),
      profile: process.argv.includes('--profile'),
      browser: !process.argv.includes('--no-browser'),
    })}\n`,
  );
}
