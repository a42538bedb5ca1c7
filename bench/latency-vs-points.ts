/**
 * How onnxruntime-node CPU latency grows with the point count: one keras-preset export (random weights: timing
 * does not depend on their values), clouds of 1k … 32k points, batch 1, median of a few runs, drawn as an SVG with
 * vega-lite next to a line proportional to N through the 1k point (what purely per-point cost would give).
 *
 *   node bin/run-ts.js bench/latency-vs-points.ts [--reps 5]   → prints the table, writes bench/latency-vs-points.svg
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { buildOnnxModel } from '../exporters/onnx/index.ts';
import { nodeSessionOptions } from '../runtime/node/index.ts';
import { writeFileAtomic } from '../src/atomic-write.ts';
import { randomWeightModel } from '../src/parity/index.ts';
import { Rng } from '../src/rng.ts';

export const DEFAULT_POINT_COUNTS = [1024, 2048, 4096, 8192, 16384, 32768];
export const LATENCY_SVG = fileURLToPath(new URL('./latency-vs-points.svg', import.meta.url));

export interface LatencyPoint {
  points: number;
  medianMs: number;
  runs: number;
}

export interface LatencyVsPoints {
  preset: string;
  rows: LatencyPoint[];
  svg: string;
  markdown: string;
}

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Points uniform in the unit ball: the graph normalises anyway, only the count matters for time. */
function ballCloud(n: number, rng: Rng): Float32Array {
  const xyz = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    let x: number, y: number, z: number;
    do {
      x = rng.uniform(-1, 1);
      y = rng.uniform(-1, 1);
      z = rng.uniform(-1, 1);
    } while (x * x + y * y + z * z > 1);
    xyz.set([x, y, z], i * 3);
  }
  return xyz;
}

export async function renderLatencySvg(rows: LatencyPoint[], title: string): Promise<string> {
  const base = rows[0]!;
  const values = rows.flatMap((r) => [
    { points: r.points, ms: r.medianMs, series: 'measured (median)' },
    { points: r.points, ms: (base.medianMs * r.points) / base.points, series: 'proportional to N' },
  ]);
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 520,
    height: 320,
    background: 'white',
    data: { values },
    encoding: {
      x: { field: 'points', type: 'quantitative', title: 'points per cloud', scale: { type: 'log', base: 2 }, axis: { values: rows.map((r) => r.points) } },
      y: { field: 'ms', type: 'quantitative', title: 'latency per cloud (ms, batch 1)', scale: { type: 'log' } },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'top-left' } },
      strokeDash: { field: 'series', type: 'nominal' },
    },
    layer: [{ mark: { type: 'line' } }, { mark: { type: 'point', filled: true } }],
  };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function benchLatencyVsPoints(options: { pointCounts?: number[]; reps?: number; preset?: string; svgPath?: string } = {}): Promise<LatencyVsPoints> {
  const counts = options.pointCounts ?? DEFAULT_POINT_COUNTS;
  const reps = options.reps ?? 5;
  const preset = options.preset ?? 'keras';
  const model = await randomWeightModel({ preset, classes: 5, seed: 3 });
  const session = await ort.InferenceSession.create(buildOnnxModel({ ...model, checkpointSha256: '0'.repeat(64) }), nodeSessionOptions('cpu'));
  const rng = new Rng(5);
  const rows: LatencyPoint[] = [];
  try {
    for (const n of counts) {
      const input = new ort.Tensor('float32', ballCloud(n, rng), [1, n, 3]);
      await session.run({ points: input });
      const samples: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t = performance.now();
        await session.run({ points: input });
        samples.push(performance.now() - t);
      }
      rows.push({ points: n, medianMs: median(samples), runs: reps });
    }
  } finally {
    await session.release();
  }
  const svg = await renderLatencySvg(rows, `onnxruntime-node CPU, ${preset} preset: latency vs points`);
  await writeFileAtomic(options.svgPath ?? LATENCY_SVG, svg);
  const base = rows[0]!;
  const markdown = [
    `| points | median ms | ms per 1k points | vs proportional-to-N |`,
    '|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.points} | ${r.medianMs.toFixed(1)} | ${((r.medianMs * 1024) / r.points).toFixed(2)} | ` +
        `${(r.medianMs / ((base.medianMs * r.points) / base.points)).toFixed(2)}× |`,
    ),
    '',
  ].join('\n');
  return { preset, rows, svg, markdown };
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const reps = flag('reps') === undefined ? undefined : Number(flag('reps'));
  const result = await benchLatencyVsPoints({ reps });
  process.stdout.write(result.markdown + `\nwrote ${LATENCY_SVG}\n`);
}
