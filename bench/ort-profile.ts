/**
 * onnxruntime's own profiler, read back per op type: onnxruntime-node (enableProfiling writes a trace file) and
 * onnxruntime-web WASM (its module prints the trace on stdout, so it runs in a child process).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ort from 'onnxruntime-node';
import { nodeSessionOptions } from '../runtime/node/index.ts';

const run = promisify(execFile);

interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}

export interface OpProfile {
  /** Op type (after the runtime's fusions) → ms per run. */
  perOp: Map<string, number>;
  runMs: number;
}

/** An onnxruntime profile (Chrome trace events) → ms per run by op type, the first (warm-up) run left out. */
function opProfile(events: ProfileEvent[]): OpProfile {
  const modelRuns = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  if (modelRuns.length < 2) throw new Error('the profile has fewer than two runs');
  const warmEnd = modelRuns[0]!.ts + modelRuns[0]!.dur;
  const measured = modelRuns.slice(1);
  const perOp = new Map<string, number>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < warmEnd) continue;
    const op = e.args?.op_name ?? '?';
    perOp.set(op, (perOp.get(op) ?? 0) + e.dur / 1000 / measured.length);
  }
  return { perOp, runMs: measured.reduce((s, e) => s + e.dur / 1000, 0) / measured.length };
}

/** onnxruntime-node's profiler (enableProfiling) on one model; `input` sets the batch. */
export async function profileNode(
  bytes: Uint8Array,
  input: ort.Tensor,
  runs: number,
  sessionOptions: ort.InferenceSession.SessionOptions = nodeSessionOptions('cpu'),
): Promise<OpProfile> {
  const dir = await mkdtemp(join(tmpdir(), 'pnet-profile-'));
  try {
    const session = await ort.InferenceSession.create(bytes, {
      ...sessionOptions,
      enableProfiling: true,
      profileFilePrefix: join(dir, 'ort'),
    });
    for (let i = 0; i <= runs; i++) await session.run({ points: input });
    session.endProfiling();
    await session.release();
    const file = (await readdir(dir)).find((f) => f.endsWith('.json'));
    if (!file) throw new Error('onnxruntime wrote no profile');
    return opProfile(JSON.parse(await readFile(join(dir, file), 'utf8')) as ProfileEvent[]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** onnxruntime-web WASM's profiler (one thread, batch 1), in a child process: the WASM module prints its profile on stdout. */
export async function profileWasm(bytes: Uint8Array, points: number, runs: number): Promise<OpProfile> {
  const dir = await mkdtemp(join(tmpdir(), 'pnet-wasm-profile-'));
  try {
    const model = join(dir, 'model.onnx');
    await writeFile(model, bytes);
    const child = fileURLToPath(new URL('./wasm-profile-child.ts', import.meta.url));
    const runTs = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
    const { stdout } = await run(process.execPath, [runTs, child, model, String(points), String(runs)], {
      maxBuffer: 256 * 2 ** 20,
    });
    const start = stdout.indexOf('[');
    const end = stdout.lastIndexOf(']');
    if (start < 0 || end < start) throw new Error('onnxruntime-web printed no profile');
    return opProfile(JSON.parse(stdout.slice(start, end + 1)) as ProfileEvent[]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function profileTable(columns: Array<[string, OpProfile]>): string[] {
  const peak = (op: string) => Math.max(...columns.map(([, p]) => p.perOp.get(op) ?? 0));
  const ops = [...new Set(columns.flatMap(([, p]) => [...p.perOp.keys()]))].sort((x, y) => peak(y) - peak(x));
  const cell = (p: OpProfile, op: string) => {
    const v = p.perOp.get(op);
    return v === undefined ? '—' : v.toFixed(2);
  };
  return [
    `| op | ${columns.map(([name]) => name).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
    // Ops under 0.05 ms everywhere are summed into one row.
    ...ops
      .filter((op) => peak(op) >= 0.05)
      .map((op) => `| ${op} | ${columns.map(([, p]) => cell(p, op)).join(' | ')} |`),
    `| other ops | ${columns
      .map(([, p]) =>
        ops
          .filter((op) => peak(op) < 0.05)
          .reduce((s, op) => s + (p.perOp.get(op) ?? 0), 0)
          .toFixed(2),
      )
      .join(' | ')} |`,
    `| **whole run** | ${columns.map(([, p]) => `**${p.runMs.toFixed(1)}**`).join(' | ')} |`,
    '',
  ];
}
