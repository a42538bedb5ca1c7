/**
 * Which activation layout of the exported graph is fastest, per runtime: channel-first ([B, C, N], 1×1 Conv,
 * the default) against channel-last ([B, N, C], MatMul), same weights, measured side by side in one run.
 *
 *   - onnxruntime-node CPU, batch 1 and batch 8, alternated with a 2048³ MatMul (the machine's ceiling);
 *   - onnxruntime-node's own profiler (enableProfiling), time per op type per run at batch 1;
 *   - onnxruntime-web's WASM build in Node against onnxruntime-node CPU at the same thread count.
 *
 *   node bin/run-ts.js bench/graph-layouts.ts [--seconds 1.5]
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import { buildOnnxModel, describeOnnx, GRAPH_LAYOUTS, type GraphLayout } from '../exporters/onnx/index.ts';
import { loadPreset, modelLayout } from '../src/model/spec.ts';
import { nodeSessionOptions } from '../runtime/node/index.ts';
import { benchMeta, benchWeights, cloudBatch, matmulModel, randomMatrix, timeInterleaved, type Timing } from './infer-node.ts';

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

/** Time per op type per run at batch 1, from onnxruntime-node's profiler (warm-up run left out). */
async function profileByOp(bytes: Uint8Array, input: ort.Tensor, runs: number): Promise<{ perOp: Map<string, number>; runMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'pnet-profile-'));
  try {
    const session = await ort.InferenceSession.create(bytes, {
      ...nodeSessionOptions('cpu'),
      enableProfiling: true,
      profileFilePrefix: join(dir, 'ort'),
    });
    for (let i = 0; i <= runs; i++) await session.run({ points: input });
    session.endProfiling();
    await session.release();
    const file = (await readdir(dir)).find((f) => f.endsWith('.json'));
    if (!file) throw new Error('onnxruntime wrote no profile');
    type Event = { cat: string; name: string; ts: number; dur: number; args?: { op_name?: string } };
    const events = JSON.parse(await readFile(join(dir, file), 'utf8')) as Event[];
    const modelRuns = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
    const warmEnd = modelRuns[0]!.ts + modelRuns[0]!.dur;
    const measured = modelRuns.slice(1);
    const perOp = new Map<string, number>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < warmEnd) continue;
      const op = e.args?.op_name ?? '?';
      perOp.set(op, (perOp.get(op) ?? 0) + e.dur / 1000 / measured.length);
    }
    const runMs = measured.reduce((s, e) => s + e.dur / 1000, 0) / measured.length;
    return { perOp, runMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchGraphLayouts(options: LayoutBenchOptions = {}): Promise<LayoutBench> {
  const points = options.points ?? 1024;
  const batch = options.batch ?? 8;
  const seconds = options.seconds ?? 1.5;
  const layout = modelLayout(loadPreset('keras'), 5);
  const weights = benchWeights(layout, 42);
  const meta = benchMeta(layout, points);
  const graphs = new Map<GraphLayout, Uint8Array>(
    GRAPH_LAYOUTS.map((l) => [l, buildOnnxModel({ layout, weights, meta, checkpointSha256: SHA }, { layout: l })]),
  );
  const flops = describeOnnx(graphs.get('channels-first')!).flopsPerCloud;
  const one = new ort.Tensor('float32', cloudBatch(1, points, 1), [1, points, 3]);
  const many = new ort.Tensor('float32', cloudBatch(batch, points, 2), [batch, points, 3]);
  const targets: TargetResult[] = [];
  const md: string[] = [];

  // 1. onnxruntime-node CPU, every layout and the ceiling alternated.
  const n = 2048;
  const spinless = { ...nodeSessionOptions('cpu'), extra: { session: { intra_op: { allow_spinning: '0' } } } };
  const sessions = await Promise.all([...graphs.values(), matmulModel(n)].map((b) => ort.InferenceSession.create(b, spinless)));
  const a = new ort.Tensor('float32', randomMatrix(n, 3), [n, n]);
  const b = new ort.Tensor('float32', randomMatrix(n, 4), [n, n]);
  const layouts = [...graphs.keys()];
  let timings: Timing[];
  try {
    const runs = layouts.flatMap((_, i) => [() => sessions[i]!.run({ points: one }), () => sessions[i]!.run({ points: many })]);
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
    md.push(`| ${l}${l === 'channels-first' ? ' (default)' : ''} | ${t1.medianMs.toFixed(1)} | ${pct(share(t1.medianMs))} | ${perCloud.toFixed(1)} | ${pct(share(perCloud))} | ${noise(t1)} / ${noise(t8)} |`);
    if (l === 'channels-first') {
      for (const [name, ms] of [['batch 1', t1.medianMs], [`batch ${batch}`, perCloud]] as const) {
        const s = share(ms);
        targets.push({ name: `onnxruntime-node CPU ${name}, share of the MatMul ceiling`, value: pct(s), target: `≥ ${pct(TARGETS.ceilingShare)}`, met: s >= TARGETS.ceilingShare });
      }
    }
  });
  md.push('');

  // 2. Where the time goes: onnxruntime-node's profiler, per op type after its graph optimisations (fusions).
  const profiles = new Map<GraphLayout, Awaited<ReturnType<typeof profileByOp>>>();
  for (const l of layouts) profiles.set(l, await profileByOp(graphs.get(l)!, one, 8));
  const ops = [...new Set([...profiles.values()].flatMap((p) => [...p.perOp.keys()]))].sort(
    (x, y) => Math.max(...[...profiles.values()].map((p) => p.perOp.get(y) ?? 0)) - Math.max(...[...profiles.values()].map((p) => p.perOp.get(x) ?? 0)),
  );
  md.push(
    `onnxruntime-node's profiler (\`enableProfiling\`), batch 1, ms per run by op type after its fusions (FusedConv = Conv + ReLU; ` +
      'mean of 8 runs after a warm-up; profiling adds a little overhead per node).',
    '',
    `| op | ${layouts.join(' | ')} |`,
    `|---|${layouts.map(() => '---:').join('|')}|`,
    ...ops.map((op) => `| ${op} | ${layouts.map((l) => { const v = profiles.get(l)!.perOp.get(op); return v === undefined ? '—' : v.toFixed(2); }).join(' | ')} |`),
    `| **whole run** | ${layouts.map((l) => `**${profiles.get(l)!.runMs.toFixed(1)}**`).join(' | ')} |`,
    '',
  );

  // 3. onnxruntime-web WASM in Node against onnxruntime-node, one thread each (what the web build runs in Node).
  const web = await import('onnxruntime-web');
  web.env.wasm.numThreads = 1;
  const webSessions = await Promise.all(layouts.map(async (l) => web.InferenceSession.create(graphs.get(l)!, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' })));
  const nodeSessions = await Promise.all(layouts.map((l) => ort.InferenceSession.create(graphs.get(l)!, nodeSessionOptions('cpu', 1))));
  const webInput = new web.Tensor('float32', one.data as Float32Array, [1, points, 3]);
  let wasmTimings: Timing[];
  try {
    const runs = layouts.flatMap((_, i) => [
      async () => {
        const out = await webSessions[i]!.run({ points: webInput });
        for (const t of Object.values(out)) t.dispose();
      },
      () => nodeSessions[i]!.run({ points: one }),
    ]);
    wasmTimings = await timeInterleaved(runs, seconds, 1, 3);
  } finally {
    for (const s of [...webSessions, ...nodeSessions]) await s.release();
  }
  md.push(
    `onnxruntime-web ${web.env.versions.web ?? ''} WASM in Node (SIMD, one thread: the web build's worker threads need a browser) against onnxruntime-node CPU with ` +
      'one intra-op thread, same graph, batch 1, alternated. Threaded WASM (a cross-origin-isolated page, as the demo serves) and WebGPU need Chromium; ' +
      'where it is installed the per-runtime table above has those rows (WebGPU there is SwiftShader, a CPU emulation: no speed claims).',
    '',
    '| layout | onnxruntime-web wasm ms | onnxruntime-node cpu ms (1 thread) | wasm / node | spread wasm / node |',
    '|---|---:|---:|---:|---:|',
  );
  layouts.forEach((l, i) => {
    const w = wasmTimings[2 * i]!;
    const c = wasmTimings[2 * i + 1]!;
    const ratio = w.medianMs / c.medianMs;
    md.push(`| ${l} | ${w.medianMs.toFixed(0)} | ${c.medianMs.toFixed(1)} | ${ratio.toFixed(2)}× | ${noise(w)} / ${noise(c)} |`);
    if (l === 'channels-first') {
      targets.push({ name: 'onnxruntime-web wasm over onnxruntime-node CPU, 1 thread each', value: `${ratio.toFixed(2)}×`, target: `≤ ${TARGETS.wasmOverNode}×`, met: ratio <= TARGETS.wasmOverNode });
    }
  });
  md.push(
    '',
    'CUDA and WebGPU on real hardware are not measured here (no GPU on this machine). The channel-first graph uses only ops both ' +
      'execution providers implement natively (1×1 Conv, Gemm, ReduceMax over the last axis, two small Transposes), so it is the ' +
      'default for them too until a measurement on a GPU says otherwise; `node bin/run-ts.js bench/graph-layouts.ts` is the ' +
      'comparison to run there.',
    '',
  );
  return { markdown: md.join('\n'), targets };
}

export function targetsTable(targets: TargetResult[]): string {
  return [
    '| target | measured | wanted | |',
    '|---|---:|---:|---|',
    ...targets.map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? 'met' : '**missed**'} |`),
    '',
  ].join('\n');
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = flag('seconds') === undefined ? undefined : Number(flag('seconds'));
  const result = await benchGraphLayouts({ seconds });
  process.stdout.write(result.markdown + '\n' + targetsTable(result.targets));
}
