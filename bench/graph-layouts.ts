/**
 * Which activation layout of the exported graph is fastest, per runtime: channel-first ([B, C, N], 1×1 Conv,
 * the default) against channel-last ([B, N, C], MatMul), same weights, measured side by side in one run.
 *
 *   - onnxruntime-node CPU, batch 1 and batch 8, alternated with a 2048³ MatMul (the machine's ceiling);
 *   - each runtime's own profiler (enableProfiling), time per op type per run at batch 1;
 *   - onnxruntime-web's WASM build in Node against onnxruntime-node CPU at the same thread count.
 *
 *   node bin/run-ts.js bench/graph-layouts.ts [--seconds 1.5]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import { buildOnnxModel, describeOnnx, GRAPH_LAYOUTS, type GraphLayout } from '../exporters/onnx/index.ts';
import { modelArchitecture } from '../src/model/spec.ts';
import { loadPreset } from '../src/model/preset-files.ts';
import { nodeSessionOptions } from '../runtime/node/index.ts';
import { chromiumWasmAgainstNode } from './chromium-wasm.ts';
import { matmulModel } from './matmul-model.ts';
import { benchMeta, benchWeights, cloudBatch, randomMatrix, timeInterleaved, type Timing } from './infer-node.ts';
import { flag } from './flags.ts';
import { profileNode, profileTable, profileWasm, type OpProfile } from './ort-profile.ts';

/** Targets the default layout must meet, checked in every run. */
export const TARGETS = {
  /** Share of the MatMul ceiling at batch 1 and at batch 8 (onnxruntime-node CPU). */
  ceilingShare: 0.85,
  /** onnxruntime-web WASM time over onnxruntime-node CPU time, same graph, same thread count. */
  wasmOverNode: 2,
};

export interface TargetResult {
  name: string;
  value: string;
  target: string;
  met: boolean;
}

export interface LayoutBenchOptions {
  points?: number;
  batch?: number;
  seconds?: number;
}

export interface LayoutBench {
  markdown: string;
  targets: TargetResult[];
}

const SHA = '0'.repeat(64);
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const noise = (t: Timing) => `±${((100 * t.spread) / 2).toFixed(0)}%`;

export async function benchGraphLayouts(options: LayoutBenchOptions = {}): Promise<LayoutBench> {
  const points = options.points ?? 1024;
  const batch = options.batch ?? 8;
  const seconds = options.seconds ?? 1.5;
  const architecture = modelArchitecture(loadPreset('keras'), 5);
  const weights = benchWeights(architecture, 42);
  const meta = benchMeta(architecture, points);
  const graphs = new Map<GraphLayout, Uint8Array>(
    GRAPH_LAYOUTS.map((l) => [
      l,
      buildOnnxModel({ architecture, weights, meta, checkpointSha256: SHA }, { layout: l }),
    ]),
  );
  const flops = describeOnnx(graphs.get('channels-first')!).flopsPerCloud;
  const one = new ort.Tensor('float32', cloudBatch(1, points, 1), [1, points, 3]);
  const many = new ort.Tensor('float32', cloudBatch(batch, points, 2), [batch, points, 3]);
  const targets: TargetResult[] = [];
  const md: string[] = [];

  // 1. onnxruntime-node CPU, every layout and the ceiling alternated.
  const n = 2048;
  const spinless = { ...nodeSessionOptions('cpu'), extra: { session: { intra_op: { allow_spinning: '0' } } } };
  const sessions = await Promise.all(
    [...graphs.values(), matmulModel(n)].map((b) => ort.InferenceSession.create(b, spinless)),
  );
  const a = new ort.Tensor('float32', randomMatrix(n, 3), [n, n]);
  const b = new ort.Tensor('float32', randomMatrix(n, 4), [n, n]);
  const layouts = [...graphs.keys()];
  let timings: Timing[];
  try {
    const runs = layouts.flatMap((_, i) => [
      () => sessions[i]!.run({ points: one }),
      () => sessions[i]!.run({ points: many }),
    ]);
    timings = await timeInterleaved([...runs, () => sessions[layouts.length]!.run({ a, b })], seconds);
  } finally {
    for (const s of sessions) await s.release();
  }
  const mm = timings[timings.length - 1]!;
  const ceiling = (2 * n ** 3) / (mm.medianMs * 1e6);
  const share = (ms: number) => flops / (ms * 1e6) / ceiling;
  md.push(
    '## Graph layout per runtime (keras preset, 1024 points)',
    '',
    `Same weights exported in each layout; ${(flops / 1e9).toFixed(2)} GFLOP per cloud in both. onnxruntime-node ${ort.env.versions.node ?? ''} CPU, ` +
      `pnet's session options, runs of every row alternated with a 2048³ MatMul (${ceiling.toFixed(1)} GFLOP/s, median of ${mm.runs}, ` +
      `spread ${noise(mm)}: half the interquartile range over the median, how much this shared machine's speed moved during the run).`,
    '',
    `| layout | B=1 ms/cloud | B=1 of ceiling | B=${batch} ms/cloud | B=${batch} of ceiling | spread B=1 / B=${batch} |`,
    '|---|---:|---:|---:|---:|---:|',
  );
  layouts.forEach((l, i) => {
    const t1 = timings[2 * i]!;
    const t8 = timings[2 * i + 1]!;
    const perCloud = t8.medianMs / batch;
    md.push(
      `| ${l}${l === 'channels-first' ? ' (default)' : ''} | ${t1.medianMs.toFixed(1)} | ${pct(share(t1.medianMs))} | ${perCloud.toFixed(1)} | ${pct(share(perCloud))} | ${noise(t1)} / ${noise(t8)} |`,
    );
    if (l === 'channels-first') {
      for (const [name, ms] of [
        ['batch 1', t1.medianMs],
        [`batch ${batch}`, perCloud],
      ] as const) {
        const s = share(ms);
        targets.push({
          name: `onnxruntime-node CPU ${name}, share of the MatMul ceiling`,
          value: pct(s),
          target: `≥ ${pct(TARGETS.ceilingShare)}`,
          met: s >= TARGETS.ceilingShare,
        });
      }
    }
  });
  md.push('');

  // 2. Where the time goes: each runtime's own profiler, per op type after its graph optimisations (fusions).
  const columns: Array<[string, OpProfile]> = [];
  for (const l of layouts) columns.push([`${l}, node cpu`, await profileNode(graphs.get(l)!, one, 8)]);
  for (const l of layouts) {
    try {
      columns.push([`${l}, web wasm`, await profileWasm(graphs.get(l)!, points, 3)]);
    } catch (e) {
      md.push(`_onnxruntime-web WASM profile of ${l} not taken: ${(e as Error).message.split('\n')[0]}_`, '');
    }
  }
  md.push(
    "Where the time goes, batch 1: ms per run by op type from each runtime's profiler (`enableProfiling`; onnxruntime-node with " +
      "pnet's session options, 8 runs; onnxruntime-web WASM in Node, one thread, 3 runs; warm-up left out), after the runtime's fusions " +
      '(FusedConv = Conv + ReLU, FusedGemm = Gemm + ReLU). Profiling adds a little time per node.',
    '',
    ...profileTable(columns),
  );

  // 3. onnxruntime-web WASM in Node against onnxruntime-node, one thread each (what the web build runs in Node),
  //    with a plain MatMul on both: the gap of the bare kernel is what the graph cannot close.
  const web = await import('onnxruntime-web');
  web.env.wasm.numThreads = 1;
  const k = 1024;
  const wasmGraphs = [...layouts.map((l) => graphs.get(l)!), matmulModel(k)];
  const webSessions = await Promise.all(
    wasmGraphs.map((g) =>
      web.InferenceSession.create(g, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }),
    ),
  );
  const nodeSessions = await Promise.all(
    wasmGraphs.map((g) => ort.InferenceSession.create(g, nodeSessionOptions('cpu', 1))),
  );
  const webFeeds = [
    ...layouts.map(() => ({ points: new web.Tensor('float32', one.data as Float32Array, [1, points, 3]) })),
    {
      a: new web.Tensor('float32', randomMatrix(k, 5), [k, k]),
      b: new web.Tensor('float32', randomMatrix(k, 6), [k, k]),
    },
  ];
  const nodeFeeds = webFeeds.map((f) =>
    Object.fromEntries(
      Object.entries(f).map(([name, t]) => [name, new ort.Tensor('float32', t.data as Float32Array, t.dims)]),
    ),
  );
  let wasmTimings: Timing[];
  try {
    const runs = wasmGraphs.flatMap((_, i) => [
      async () => {
        const out = await webSessions[i]!.run(webFeeds[i]!);
        for (const t of Object.values(out)) t.dispose();
      },
      () => nodeSessions[i]!.run(nodeFeeds[i]!),
    ]);
    wasmTimings = await timeInterleaved(runs, seconds, 1, 5);
  } finally {
    for (const s of [...webSessions, ...nodeSessions]) await s.release();
  }
  md.push(
    `onnxruntime-web ${web.env.versions.web ?? ''} WASM in Node (SIMD, one thread: the web build's worker threads need a browser) against onnxruntime-node CPU with ` +
      `one intra-op thread, batch 1, every row alternated, with a plain ${k}³ MatMul on both for the gap of the bare kernel (this CPU has AVX-512 with FMA; ` +
      "WASM SIMD is 128 bits wide without FMA). Decide layouts on this table's alternated timings rather than on the profile above, which comes from a separate process and fewer runs. " +
      'Threaded WASM needs a cross-origin-isolated page, as the demo serves: the Chromium table below has it.',
    '',
    '| graph | onnxruntime-web wasm ms | onnxruntime-node cpu ms (1 thread) | wasm / node | spread wasm / node |',
    '|---|---:|---:|---:|---:|',
  );
  [...layouts, `MatMul ${k}³`].forEach((l, i) => {
    const w = wasmTimings[2 * i]!;
    const c = wasmTimings[2 * i + 1]!;
    const ratio = w.medianMs / c.medianMs;
    md.push(
      `| ${l} | ${w.medianMs.toFixed(0)} | ${c.medianMs.toFixed(1)} | ${ratio.toFixed(2)}× | ${noise(w)} / ${noise(c)} |`,
    );
    if (l === 'channels-first') {
      targets.push({
        name: 'onnxruntime-web wasm over onnxruntime-node CPU, 1 thread each',
        value: `${ratio.toFixed(2)}×`,
        target: `≤ ${TARGETS.wasmOverNode}×`,
        met: ratio <= TARGETS.wasmOverNode,
      });
    }
  });
  md.push('');

  // 4. onnxruntime-web WASM in headless Chromium (the demo's cross-origin-isolated page, threads on) against Node.
  md.push(...(await chromiumWasmRows(graphs, points, targets)));

  md.push(
    'CUDA and WebGPU on real hardware are not measured here (no GPU on this machine). The channel-first graph uses only ops both ' +
      'execution providers implement natively (1×1 Conv, Gemm, ReduceMax over the last axis, two small Transposes), so it is the ' +
      'default for them too until a measurement on a GPU says otherwise; `node bin/run-ts.js bench/graph-layouts.ts` is the ' +
      'comparison to run there.',
    '',
  );
  return { markdown: md.join('\n'), targets };
}

/**
 * onnxruntime-web WASM in Chromium against onnxruntime-node CPU per layout, at 1 and 2 threads, alternated
 * (chromium-wasm.ts); table lines, and the default layout's ratio at the most threads as a target.
 */
async function chromiumWasmRows(
  graphs: Map<GraphLayout, Uint8Array>,
  points: number,
  targets: TargetResult[],
): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'pnet-layout-chromium-'));
  try {
    const files = new Map<GraphLayout, string>();
    for (const [l, bytes] of graphs) {
      const path = join(dir, `${l}.onnx`);
      await writeFile(path, bytes);
      files.set(l, path);
    }
    const result = await chromiumWasmAgainstNode(files, points);
    if (result.unavailable) return [`_onnxruntime-web WASM in Chromium not measured: ${result.unavailable}._`, ''];
    const mostThreads = Math.max(...result.rows.map((r) => r.threads));
    const headline = result.rows.find((r) => r.model === 'channels-first' && r.threads === mostThreads)!;
    const ratio = headline.chromiumMs / headline.nodeMs;
    targets.push({
      name: `onnxruntime-web wasm in Chromium (cross-origin-isolated page) over onnxruntime-node CPU, ${mostThreads} threads each`,
      value: `${ratio.toFixed(2)}×`,
      target: `≤ ${TARGETS.wasmOverNode}×`,
      met: ratio <= TARGETS.wasmOverNode,
    });
    return [
      "onnxruntime-web WASM in headless Chromium, the demo's cross-origin-isolated page, against onnxruntime-node CPU at the same " +
        'thread count, batch 1: every layout has its session in one page per thread count, and a Chromium run and a Node run of ' +
        'each layout alternate, round after round (median of 7).',
      '',
      '| layout | threads | Chromium wasm ms | onnxruntime-node cpu ms | wasm / node |',
      '|---|---:|---:|---:|---:|',
      ...result.rows.map(
        (r) =>
          `| ${r.model} | ${r.threads} | ${r.chromiumMs.toFixed(0)} | ${r.nodeMs.toFixed(1)} | ${(r.chromiumMs / r.nodeMs).toFixed(2)}× |`,
      ),
      '',
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function targetsTable(targets: TargetResult[]): string {
  return [
    '| target | measured | wanted | |',
    '|---|---:|---:|---|',
    ...targets.map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? 'met' : '**missed**'} |`),
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = flag('seconds') === undefined ? undefined : Number(flag('seconds'));
  const result = await benchGraphLayouts({ seconds });
  process.stdout.write(result.markdown + '\n' + targetsTable(result.targets));
}
