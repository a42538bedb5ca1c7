/**
 * onnxruntime-node inference benchmark: pnet's exported PointNet graph against the same network exported naively
 * (batch norm as separate elementwise ops after every layer, the global feature tiled to every point and
 * concatenated), both with the same tuned session options, next to a plain 2048³ MatMul measured in the same run
 * as the machine's practical ceiling.
 *
 *   node bin/run-ts.js bench/infer-node.ts [--preset keras|lite] [--points 1024] [--batch 8] [--seconds 2]
 */
import { describeModel } from '../src/checkpoint/meta.ts';
import { availableParallelism, cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { buildOnnxModel, describeOnnx } from '../exporters/onnx/index.ts';
import { OnnxGraphBuilder, type IntAttributes } from '../exporters/onnx/graph-builder.ts';
import {
  initialWeights,
  modelArchitecture,
  type BlockSpec,
  type ModelArchitecture,
  type TnetArchitecture,
  type WeightMap,
} from '../src/model/spec.ts';
import { loadPreset } from '../src/model/preset-files.ts';
import type { CheckpointMeta } from '../src/checkpoint/format.ts';
import { nodeSessionOptions } from '../runtime/node/index.ts';
import { Rng } from '../src/core/rng.ts';
import { flag } from './flags.ts';
import { matmulModel } from './matmul-model.ts';

const { onnx } = onnxProto;

export interface InferBenchOptions {
  preset?: 'keras' | 'lite';
  classes?: number;
  points?: number;
  batch?: number;
  /** Time spent measuring each configuration (after warm-up). */
  seconds?: number;
}

const F = onnx.TensorProto.DataType.FLOAT;

/**
 * Trained-looking weights: seeded init plus non-trivial batch-norm statistics and T-Net outputs, so folding and
 * unfolding batch norm really compute different things on the way to the same result.
 */
export function benchWeights(architecture: ModelArchitecture, seed: number): WeightMap {
  const weights = initialWeights(architecture, seed);
  const rng = new Rng(seed + 1);
  for (const [name, w] of weights) {
    const d = w.data;
    if (name.endsWith('/bn/gamma')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(0.5, 1.5);
    else if (name.endsWith('/bn/beta') || name.endsWith('/bn/moving_mean'))
      for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-0.1, 0.1);
    else if (name.endsWith('/bn/moving_variance')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(0.5, 2);
    else if (name.endsWith('/final/kernel')) for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-0.01, 0.01);
  }
  return weights;
}

export function benchMeta(architecture: ModelArchitecture, points: number): CheckpointMeta {
  const names = Array.from({ length: architecture.numClasses }, (_, i) => `part${i}`);
  return describeModel({
    preset: architecture.preset,
    classes: { names, colors: names.map((_, i) => `#${(0x203040 + i * 0x302010).toString(16).slice(-6)}`) },
    category: ['Bench'],
    numPoints: points,
  });
}

/** The same network as a literal layer-by-layer translation, the way a generic converter writes it. */
class NaiveGraph {
  private readonly graph = new OnnxGraphBuilder('float32');
  private counter = 0;

  constructor(
    private readonly architecture: ModelArchitecture,
    private readonly weights: WeightMap,
  ) {
    this.graph.claim('points');
  }

  private name(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  private init(hint: string, dims: number[], data: Float32Array): string {
    return this.graph.floatInitializer(this.name(hint), dims, data);
  }

  private weight(name: string): string {
    const w = this.weights.get(name)!;
    return this.init(name.replaceAll('/', '_'), w.shape, w.data);
  }

  private op(opType: string, inputs: string[], attrs: IntAttributes = {}): string {
    return this.graph.node(opType, inputs, this.name(opType.toLowerCase()), attrs);
  }

  /** x·W + b, then batch norm as Sub/Div/Mul/Add on the activations, then ReLU. */
  private block(b: BlockSpec, x: string): string {
    const y = this.op('Add', [
      this.op('MatMul', [x, this.weight(`${b.prefix}/kernel`)]),
      this.weight(`${b.prefix}/bias`),
    ]);
    const eps = this.init('epsilon', [], new Float32Array([this.architecture.preset.batchNorm.epsilon]));
    const std = this.op('Sqrt', [this.op('Add', [this.weight(`${b.prefix}/bn/moving_variance`), eps])]);
    const normed = this.op('Div', [this.op('Sub', [y, this.weight(`${b.prefix}/bn/moving_mean`)]), std]);
    const bn = this.op('Add', [
      this.op('Mul', [normed, this.weight(`${b.prefix}/bn/gamma`)]),
      this.weight(`${b.prefix}/bn/beta`),
    ]);
    return this.op('Relu', [bn]);
  }

  private tnet(t: TnetArchitecture, x: string): string {
    let h = x;
    for (const c of t.conv) h = this.block(c, h);
    h = this.op('ReduceMax', [h], { axes: [1], keepdims: 1 });
    for (const d of t.dense) h = this.block(d, h);
    const flat = this.op('Add', [
      this.op('MatMul', [h, this.weight(`${t.finalPrefix}/kernel`)]),
      this.weight(`${t.finalPrefix}/bias`),
    ]);
    return this.op('Reshape', [flat, this.graph.int64Initializer(this.name('shape'), [-1, t.k, t.k])]);
  }

  build(): Uint8Array {
    const { architecture } = this;
    // Same preprocessing as the exported graph, so only the network's structure differs.
    const centroid = this.op('ReduceMean', ['points'], { axes: [1], keepdims: 1 });
    const centred = this.op('Sub', ['points', centroid]);
    const sq = this.op('ReduceSumSquare', [centred], { axes: [2], keepdims: 1 });
    const radius = this.op('Max', [
      this.op('Sqrt', [this.op('ReduceMax', [sq], { axes: [1], keepdims: 1 })]),
      this.init('floor', [], new Float32Array([1e-12])),
    ]);
    let x = this.op('Div', [centred, radius]);
    x = this.op('MatMul', [x, this.tnet(architecture.inputTnet, x)]);
    const local: string[] = [];
    for (const b of architecture.features) {
      x = this.block(b, x);
      local.push(x);
    }
    x = this.op('MatMul', [x, this.tnet(architecture.featureTnet, x)]);
    local.push(x);
    x = this.block(architecture.features2[0]!, x);
    local.push(x);
    x = this.block(architecture.features2[1]!, x);
    const global = this.op('ReduceMax', [x], { axes: [1], keepdims: 1 });
    const tiled = this.op('Expand', [global, this.op('Shape', [x])]);
    const concat = this.op('Concat', [...local, tiled], { axis: 2 });
    const hidden = this.block(architecture.segHidden, concat);
    const logits = this.op('Add', [
      this.op('MatMul', [hidden, this.weight(`${architecture.headPrefix}/kernel`)]),
      this.weight(`${architecture.headPrefix}/bias`),
    ]);
    this.graph.node('Softmax', [logits], 'probabilities', { axis: -1 });
    this.graph.node('ArgMax', ['probabilities'], 'labels', { axis: -1, keepdims: 0 });
    const dims = (d: Array<number | string>) => ({
      dim: d.map((v) => (typeof v === 'number' ? { dimValue: v } : { dimParam: v })),
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'naive',
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'pointnet_naive',
        node: this.graph.nodes,
        initializer: this.graph.initializers,
        input: [{ name: 'points', type: { tensorType: { elemType: F, shape: dims(['batch', 'num_points', 3]) } } }],
        output: [
          {
            name: 'probabilities',
            type: { tensorType: { elemType: F, shape: dims(['batch', 'num_points', architecture.numClasses]) } },
          },
          {
            name: 'labels',
            type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: dims(['batch', 'num_points']) } },
          },
        ],
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

export interface Timing {
  medianMs: number;
  runs: number;
  /** Interquartile range over the median: how noisy the machine was while this was measured. */
  spread: number;
}

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function spreadOf(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return (q(0.75) - q(0.25)) / median(s);
}

/**
 * Times several runs round-robin (A B C A B C …) rather than one after the other, so that load from other
 * processes, which drifts over seconds, lands on every configuration alike.
 */
export async function timeInterleaved(
  runs: Array<() => Promise<unknown>>,
  seconds: number,
  warmup = 2,
  minRuns = 5,
): Promise<Timing[]> {
  for (const run of runs) for (let i = 0; i < warmup; i++) await run();
  const samples: number[][] = runs.map(() => []);
  const end = performance.now() + seconds * 1000 * runs.length;
  while (samples[0]!.length < minRuns || (performance.now() < end && samples[0]!.length < 200)) {
    for (let r = 0; r < runs.length; r++) {
      const t = performance.now();
      await runs[r]!();
      samples[r]!.push(performance.now() - t);
    }
  }
  return samples.map((s) => ({ medianMs: median(s), runs: s.length, spread: spreadOf(s) }));
}

export function cloudBatch(batch: number, points: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: batch * points * 3 }, () => rng.uniform(-1, 1));
}

export function randomMatrix(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * n }, () => rng.uniform(-1, 1));
}

export async function benchNodeInference(options: InferBenchOptions = {}): Promise<string> {
  const presetName = options.preset ?? 'keras';
  const points = options.points ?? 1024;
  const batch = options.batch ?? 8;
  const seconds = options.seconds ?? 2;
  const architecture = modelArchitecture(loadPreset(presetName), options.classes ?? 5);
  const weights = benchWeights(architecture, 42);
  const ours = buildOnnxModel({
    architecture,
    weights,
    meta: benchMeta(architecture, points),
    checkpointSha256: '0'.repeat(64),
  });
  const naive = new NaiveGraph(architecture, weights).build();
  const flopsPerCloud = describeOnnx(ours).flopsPerCloud;

  const n = 2048;
  // Three sessions live side by side: threads that spin while idle would steal the 2 cores from the one running.
  const sessionOptions = { ...nodeSessionOptions('cpu'), extra: { session: { intra_op: { allow_spinning: '0' } } } };
  const sessions = await Promise.all(
    [ours, naive, matmulModel(n)].map((b) => ort.InferenceSession.create(b, sessionOptions)),
  );
  const [pnetSession, naiveSession, matmulSession] = sessions as [
    ort.InferenceSession,
    ort.InferenceSession,
    ort.InferenceSession,
  ];
  const one = new ort.Tensor('float32', cloudBatch(1, points, 1), [1, points, 3]);
  const many = new ort.Tensor('float32', cloudBatch(batch, points, 2), [batch, points, 3]);
  const a = new ort.Tensor('float32', randomMatrix(n, 3), [n, n]);
  const b = new ort.Tensor('float32', randomMatrix(n, 4), [n, n]);
  let timings: Timing[];
  let pnetOut: ort.InferenceSession.ReturnType;
  let naiveOut: ort.InferenceSession.ReturnType;
  try {
    timings = await timeInterleaved(
      [
        () => pnetSession.run({ points: one }),
        () => naiveSession.run({ points: one }),
        () => pnetSession.run({ points: many }),
        () => naiveSession.run({ points: many }),
        () => matmulSession.run({ a, b }),
      ],
      seconds,
    );
    pnetOut = await pnetSession.run({ points: many });
    naiveOut = await naiveSession.run({ points: many });
  } finally {
    for (const s of sessions) await s.release();
  }
  const [pnetB1, naiveB1, pnetBn, naiveBn, mm] = timings as [Timing, Timing, Timing, Timing, Timing];
  const ceiling = { gflops: (2 * n ** 3) / (mm.medianMs * 1e6) };
  const pnet = {
    latency: pnetB1,
    throughput: pnetBn,
    probabilities: pnetOut.probabilities!.data as Float32Array,
    labels: pnetOut.labels!.data as BigInt64Array,
  };
  const literal = {
    latency: naiveB1,
    throughput: naiveBn,
    probabilities: naiveOut.probabilities!.data as Float32Array,
    labels: naiveOut.labels!.data as BigInt64Array,
  };

  let maxDiff = 0;
  for (let i = 0; i < pnet.probabilities.length; i++)
    maxDiff = Math.max(maxDiff, Math.abs(pnet.probabilities[i]! - literal.probabilities[i]!));
  let sameLabels = 0;
  for (let i = 0; i < pnet.labels.length; i++) if (pnet.labels[i] === literal.labels[i]) sameLabels++;

  const gflops = (msPerCloud: number) => flopsPerCloud / (msPerCloud * 1e6);
  const row = (name: string, r: typeof pnet) => {
    const perCloud = r.throughput.medianMs / batch;
    const g = gflops(perCloud);
    const g1 = gflops(r.latency.medianMs);
    return (
      `| ${name} | ${r.latency.medianMs.toFixed(1)} | ${g1.toFixed(1)} | ${perCloud.toFixed(1)} | ${(1000 / perCloud).toFixed(1)} | ` +
      `${g.toFixed(1)} | ${((100 * g) / ceiling.gflops).toFixed(0)}% |`
    );
  };
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return [
    `## onnxruntime-node ${ort.env.versions.node ?? ''} CPU inference`,
    '',
    `${cpu}, ${availableParallelism()} threads (intraOpNumThreads = cores, graphOptimizationLevel all). ` +
      `Preset ${presetName}, ${architecture.numClasses} classes, ${points} points per cloud, ` +
      `${(flopsPerCloud / 1e9).toFixed(2)} GFLOP per cloud (exporter's count of the useful work; both graphs are credited with it). ` +
      `Medians over ${pnetB1.runs} interleaved runs of each after warm-up.`,
    '',
    `| graph | B=1 ms/cloud | B=1 GFLOP/s | B=${batch} ms/cloud | B=${batch} clouds/s | B=${batch} GFLOP/s | B=${batch} of ceiling |`,
    '|---|---:|---:|---:|---:|---:|---:|',
    row('pnet export (BN folded, global term once per cloud)', pnet),
    row('naive (BN as elementwise ops, global feature tiled)', literal),
    `| MatMul 2048³, same session options (ceiling) | ${mm.medianMs.toFixed(1)} | ${ceiling.gflops.toFixed(1)} | | | | 100% |`,
    '',
    `Outputs agree: max |Δ probability| = ${maxDiff.toExponential(1)}, labels equal on ${((100 * sameLabels) / pnet.labels.length).toFixed(2)}% of ${pnet.labels.length} points. ` +
      `Speed-up of the pnet graph: ${(literal.latency.medianMs / pnet.latency.medianMs).toFixed(2)}× at B=1, ` +
      `${(literal.throughput.medianMs / pnet.throughput.medianMs).toFixed(2)}× at B=${batch}.`,
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const preset = flag('preset') as InferBenchOptions['preset'];
  const num = (name: string) => (flag(name) === undefined ? undefined : Number(flag(name)));
  process.stdout.write(
    await benchNodeInference({ preset, points: num('points'), batch: num('batch'), seconds: num('seconds') }),
  );
}
