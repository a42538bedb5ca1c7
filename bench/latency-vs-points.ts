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
import { writeFileAtomic } from '../src/core/node/atomic-write.ts';
import { randomWeightModel } from '../src/parity/index.ts';
import { Rng } from '../src/core/rng.ts';
import { flag } from './flags.ts';

export const DEFAULT_POINT_COUNTS = [1024, 2048, 4096, 8192, 16384, 32768];
export const LATENCY_SVG = fileURLToPath(new URL('./latency-vs-points.svg', import.meta.url));

export interface LatencyPoint {
  points: number;
  medianMs: number;
  runs: number;
}

export interface PerPointRatio {
  small: number;
  large: number;
  /** Median over the blocks of (time of one large cloud) / (time of large/small small clouds): 1 = proportional. */
  ratio: number;
  blocks: number;
  /** Smallest and largest block ratio: how much the machine's speed moved between blocks. */
  range: [number, number];
}

export interface LatencyVsPoints {
  preset: string;
  rows: LatencyPoint[];
  perPoint: PerPointRatio;
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
      x: {
        field: 'points',
        type: 'quantitative',
        title: 'points per cloud',
        scale: { type: 'log', base: 2 },
        axis: { values: rows.map((r) => r.points) },
      },
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

/**
 * Per-point cost of a large cloud over a small one, measured side by side: each block times one cloud of `large`
 * points and `large / small` clouds of `small` points (the same number of points) back to back, so drifting load
 * from other processes lands on both halves alike.
 */
async function perPointRatio(
  session: ort.InferenceSession,
  small: number,
  large: number,
  blocks: number,
  rng: Rng,
): Promise<PerPointRatio> {
  const smallInput = new ort.Tensor('float32', ballCloud(small, rng), [1, small, 3]);
  const largeInput = new ort.Tensor('float32', ballCloud(large, rng), [1, large, 3]);
  await session.run({ points: smallInput });
  await session.run({ points: largeInput });
  const ratios: number[] = [];
  for (let b = 0; b < blocks; b++) {
    let t = performance.now();
    for (let i = 0; i < large / small; i++) await session.run({ points: smallInput });
    const smallMs = performance.now() - t;
    t = performance.now();
    await session.run({ points: largeInput });
    ratios.push((performance.now() - t) / smallMs);
  }
  return { small, large, ratio: median(ratios), blocks, range: [Math.min(...ratios), Math.max(...ratios)] };
}

export async function benchLatencyVsPoints(
  options: { pointCounts?: number[]; reps?: number; preset?: string; svgPath?: string; ratioBlocks?: number } = {},
): Promise<LatencyVsPoints> {
  const counts = options.pointCounts ?? DEFAULT_POINT_COUNTS;
  const reps = options.reps ?? 5;
  const preset = options.preset ?? 'keras';
  const model = await randomWeightModel({ preset, classes: 5, seed: 3 });
  const session = await ort.InferenceSession.create(
    buildOnnxModel({ ...model, checkpointSha256: '0'.repeat(64) }),
    nodeSessionOptions('cpu'),
  );
  const rng = new Rng(5);
  const rows: LatencyPoint[] = [];
  let perPoint: PerPointRatio;
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
    perPoint = await perPointRatio(session, counts[0]!, counts[counts.length - 1]!, options.ratioBlocks ?? 5, rng);
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
  return { preset, rows, perPoint: perPoint!, svg, markdown };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const reps = flag('reps') === undefined ? undefined : Number(flag('reps'));
  const result = await benchLatencyVsPoints({ reps });
  const p = result.perPoint;
  process.stdout.write(
    result.markdown +
      `\nper-point cost at ${p.large} over ${p.small} points, side by side: ${p.ratio.toFixed(2)}× (blocks ${p.range.map((r) => r.toFixed(2)).join('–')})\nwrote ${LATENCY_SVG}\n`,
  );
}
