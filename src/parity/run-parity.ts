/**
 * The parity matrix: the same clouds through the TF.js model (the reference, and every other TF.js backend
 * present) and through the exported ONNX file on every ONNX Runtime we ship for, each row compared with the
 * reference against its tolerance. A runtime this machine lacks (no CUDA, no Chromium) is a skipped row with the
 * reason; a runtime that is present but errors is a failed row.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, listBackends, releaseBackend, type BackendName } from '../backend/index.ts';
import { readModelInfoFromOnnx } from '../core/contract.ts';
import { PnetError } from '../core/errors.ts';
import type { ModelArchitecture, PresetSpec, WeightMap } from '../model/spec.ts';
import { buildOnnxModel } from '../../exporters/onnx/index.ts';
import { readCheckpointForExport } from '../../exporters/onnx/export-checkpoint.ts';
import { readModelBytes } from '../../runtime/node/node-segmenter.ts';
import { compareOutputs, withinTolerance } from './compare.ts';
import { randomWeightModel } from './random-model.ts';
import { openChromiumRunner } from './runs/browser.ts';
import { runOrtNode } from './runs/ort-node.ts';
import { runOrtWebInNode } from './runs/ort-web-node.ts';
import { runTfjs } from './runs/tfjs.ts';
import { CPU_TOLERANCE, GPU_TOLERANCE, INT8_TOLERANCE } from './tolerances.ts';
import type { CloudOutput, ParityCloud, ParityRow, ParityTolerance, RuntimeOutcome } from './types.ts';

export interface ParityOptions {
  /** Checkpoint of the TF.js model. Without it: a deterministic random-weight model (`preset`, `seed`). */
  checkpoint?: string;
  /** The ONNX file to check against the TF.js model; default: a fresh export of the same weights. */
  model?: string;
  clouds: ParityCloud[];
  /**
   * An int8 export of `checkpoint` (`pnet export --int8`): its rows (onnxruntime-node CPU, onnxruntime-web WASM in
   * Node and in Chromium) are held to INT8_TOLERANCE against the same fp32 reference.
   */
  int8Model?: string;
  /** Run the Chromium rows (WebGPU, WASM); default true. */
  browser?: boolean;
  /** TF.js backends to run; default every one present. The reference is `cpu` when listed, else the first. */
  tfBackends?: string[];
  /** Random-weight model only: preset name or spec (default `lite`) and seed (default 1). */
  preset?: string | PresetSpec;
  seed?: number;
  /** Called before each runtime starts, with the rows done so far and the total. */
  onProgress?: (done: number, total: number, runtime: string) => void;
}

const REFERENCE_PREFERENCE: BackendName = 'cpu';
const INT8 = 'int8';

interface Planned {
  runtime: string;
  tolerance: ParityTolerance;
  run: () => Promise<RuntimeOutcome>;
}

function firstLine(e: unknown): string {
  const message = e instanceof PnetError ? e.describe() : String((e as Error)?.message ?? e);
  return message.split('\n')[0]!.trim();
}

interface ResolvedModel {
  architecture: ModelArchitecture;
  weights: WeightMap;
  onnxPath: string;
}

async function resolveModel(
  options: ParityOptions,
  dir: string,
): Promise<ResolvedModel & { checkpointSha256?: string }> {
  if (options.checkpoint) {
    // One read of the checkpoint: the TF.js weights, the fresh export and the sha256 an int8 file must carry.
    const input = await readCheckpointForExport(options.checkpoint);
    let onnxPath = options.model;
    if (!onnxPath) {
      onnxPath = join(dir, 'model.onnx');
      await writeFile(onnxPath, buildOnnxModel(input));
    }
    return {
      architecture: input.architecture,
      weights: input.weights,
      onnxPath,
      checkpointSha256: input.checkpointSha256,
    };
  }
  const model = await randomWeightModel({ preset: options.preset, seed: options.seed });
  let onnxPath = options.model;
  if (!onnxPath) {
    onnxPath = join(dir, 'random.onnx');
    await writeFile(onnxPath, buildOnnxModel({ ...model, checkpointSha256: '0'.repeat(64) }));
  }
  return { architecture: model.architecture, weights: model.weights, onnxPath };
}

/** The int8 file must be an int8 export of this very checkpoint, or its rows would compare two different nets. */
async function checkInt8Model(int8Model: string, checkpoint: string, checkpointSha256: string): Promise<void> {
  const info = readModelInfoFromOnnx(await readModelBytes(int8Model), int8Model);
  if (info.precision !== 'int8') {
    throw new PnetError('BAD_MODEL', `not an int8 export: its pnet.precision is ${info.precision}`, {
      file: int8Model,
      remedy: 'pass a file written by pnet export --int8',
    });
  }
  if (info.checkpointSha256 !== checkpointSha256) {
    throw new PnetError('BAD_MODEL', `was not exported from ${checkpoint} (its checkpoint sha256 differs)`, {
      file: int8Model,
      remedy: `export it from that checkpoint: pnet export ${checkpoint} --int8 --calibrate DATA`,
    });
  }
}

/** Which TF.js backends to run, the reference first; requested-but-absent ones come back as skipped rows. */
async function planTfBackends(requested: string[] | undefined): Promise<{ run: BackendName[]; skipped: ParityRow[] }> {
  for (const name of requested ?? []) {
    if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
      throw new PnetError(
        'BAD_ARGUMENT',
        `unknown TF.js backend "${name}"; expected one of: ${BACKEND_NAMES.join(', ')}`,
      );
    }
  }
  const probes = await listBackends();
  const wanted = (requested as BackendName[] | undefined) ?? probes.map((p) => p.name);
  const run: BackendName[] = [];
  const skipped: ParityRow[] = [];
  for (const name of wanted) {
    const probe = probes.find((p) => p.name === name)!;
    if (probe.available) run.push(name);
    // Backends not asked for by name and not installed are listed too: the table shows what could have run.
    else skipped.push({ runtime: `TF.js ${name}`, status: 'skipped', note: probe.detail });
  }
  if (run.length === 0)
    throw new PnetError('BACKEND_UNAVAILABLE', `none of the TF.js backends ${wanted.join(', ')} is available here`);
  const reference = run.includes(REFERENCE_PREFERENCE) ? REFERENCE_PREFERENCE : run[0]!;
  return { run: [reference, ...run.filter((b) => b !== reference)], skipped };
}

function tfTolerance(backend: BackendName): ParityTolerance {
  return backend === 'webgpu' ? GPU_TOLERANCE : CPU_TOLERANCE;
}

function judge(
  runtime: string,
  tolerance: ParityTolerance,
  outcome: RuntimeOutcome,
  reference: CloudOutput[],
): ParityRow {
  if (!outcome.ran) return { runtime, status: 'skipped', note: outcome.reason };
  const diff = compareOutputs(reference, outcome.outputs);
  const pass = withinTolerance(diff, tolerance);
  return {
    runtime,
    status: pass ? 'pass' : 'fail',
    ...diff,
    msPerCloud: outcome.msPerCloud,
    tolerance,
    note: outcome.note,
  };
}

/** How varied the reference outputs are: a flat or one-label output would make any comparison pass. */
function describeReference(outputs: CloudOutput[], classes: number): string {
  const used = new Set<number>();
  let maxSum = 0;
  let points = 0;
  for (const o of outputs) {
    for (const l of o.labels) used.add(l);
    for (let i = 0; i < o.labels.length; i++) maxSum += o.probabilities[i * classes + o.labels[i]!]!;
    points += o.labels.length;
  }
  return `${points} points; ${used.size} of ${classes} classes predicted; mean top probability ${(maxSum / Math.max(1, points)).toFixed(2)}`;
}

interface BrowserRow {
  runtime: string;
  ep: 'webgpu' | 'wasm';
  tolerance: ParityTolerance;
}

/** One Chromium for one model file: a row per EP, skipped when Chromium is missing, failed when it breaks. */
async function runInChromium(
  model: string,
  browserRows: readonly BrowserRow[],
  clouds: ParityCloud[],
  reference: CloudOutput[],
): Promise<ParityRow[]> {
  const runner = await openChromiumRunner(model).catch((e: unknown) => ({ failed: firstLine(e) }));
  if ('unavailable' in runner)
    return browserRows.map(({ runtime }) => ({ runtime, status: 'skipped', note: runner.unavailable }));
  if ('failed' in runner)
    return browserRows.map(({ runtime }) => ({ runtime, status: 'fail', note: `error: ${runner.failed}` }));
  const rows: ParityRow[] = [];
  try {
    for (const { runtime, ep, tolerance } of browserRows) {
      try {
        rows.push(judge(runtime, tolerance, await runner[ep](clouds), reference));
      } catch (e) {
        rows.push({ runtime, status: 'fail', tolerance, note: `error: ${firstLine(e)}` });
      }
    }
  } finally {
    await runner.close();
  }
  return rows;
}

export async function runParity(options: ParityOptions): Promise<ParityRow[]> {
  if (options.clouds.length === 0) throw new PnetError('BAD_ARGUMENT', 'parity needs at least one cloud');
  const dir = await mkdtemp(join(tmpdir(), 'pnet-parity-'));
  const previousBackend = tf.getBackend();
  try {
    const { int8Model } = options;
    if (int8Model && !options.checkpoint) {
      throw new PnetError('BAD_ARGUMENT', 'an int8 model needs the checkpoint it was exported from', {
        remedy: 'pnet parity RUN_DIR --int8 M.int8.onnx',
      });
    }
    const source = await resolveModel(options, dir);
    if (int8Model) await checkInt8Model(int8Model, options.checkpoint!, source.checkpointSha256!);
    const { onnxPath } = source;
    const { clouds } = options;
    const tfPlan = await planTfBackends(options.tfBackends);
    const [referenceBackend, ...otherBackends] = tfPlan.run as [BackendName, ...BackendName[]];

    const planned: Planned[] = [
      ...otherBackends.map((b) => ({
        runtime: `TF.js ${b}`,
        tolerance: tfTolerance(b),
        run: () => runTfjs(b, source.architecture, source.weights, clouds),
      })),
      { runtime: 'onnxruntime-node cpu', tolerance: CPU_TOLERANCE, run: () => runOrtNode('cpu', onnxPath, clouds) },
      { runtime: 'onnxruntime-node cuda', tolerance: GPU_TOLERANCE, run: () => runOrtNode('cuda', onnxPath, clouds) },
      {
        runtime: 'onnxruntime-web wasm (Node)',
        tolerance: CPU_TOLERANCE,
        run: () => runOrtWebInNode(onnxPath, clouds),
      },
      ...(int8Model
        ? [
            {
              runtime: `onnxruntime-node cpu, ${INT8}`,
              tolerance: INT8_TOLERANCE,
              run: () => runOrtNode('cpu', int8Model, clouds),
            },
            {
              runtime: `onnxruntime-web wasm (Node), ${INT8}`,
              tolerance: INT8_TOLERANCE,
              run: () => runOrtWebInNode(int8Model, clouds),
            },
          ]
        : []),
    ];
    const browserModels: { model: string; rows: readonly BrowserRow[] }[] = [
      {
        model: onnxPath,
        rows: [
          { runtime: 'onnxruntime-web webgpu (Chromium)', ep: 'webgpu', tolerance: GPU_TOLERANCE },
          { runtime: 'onnxruntime-web wasm (Chromium)', ep: 'wasm', tolerance: CPU_TOLERANCE },
        ],
      },
      ...(int8Model
        ? [
            {
              model: int8Model,
              rows: [{ runtime: `onnxruntime-web wasm (Chromium), ${INT8}`, ep: 'wasm', tolerance: INT8_TOLERANCE }],
            } as const,
          ]
        : []),
    ];
    // The reference, each Node row, and one Chromium per model file.
    const total = planned.length + 1 + (options.browser === false ? 0 : browserModels.length);
    let done = 0;
    const progress = (runtime: string) => options.onProgress?.(done++, total, runtime);

    progress(`TF.js ${referenceBackend} (reference)`);
    const reference = await runTfjs(referenceBackend, source.architecture, source.weights, clouds);
    if (!reference.ran)
      throw new PnetError(
        'BACKEND_UNAVAILABLE',
        `the reference backend ${referenceBackend} cannot run: ${reference.reason}`,
      );
    const rows: ParityRow[] = [
      {
        runtime: `TF.js ${referenceBackend}`,
        status: 'reference',
        msPerCloud: reference.msPerCloud,
        note: describeReference(reference.outputs, source.architecture.numClasses),
      },
    ];

    for (const p of planned) {
      progress(p.runtime);
      try {
        rows.push(judge(p.runtime, p.tolerance, await p.run(), reference.outputs));
      } catch (e) {
        rows.push({ runtime: p.runtime, status: 'fail', tolerance: p.tolerance, note: `error: ${firstLine(e)}` });
      }
    }
    rows.splice(1 + otherBackends.length, 0, ...tfPlan.skipped);

    for (const { model, rows: browserRows } of browserModels) {
      if (options.browser === false) {
        for (const { runtime } of browserRows)
          rows.push({ runtime, status: 'skipped', note: 'browser rows turned off (--no-browser)' });
        continue;
      }
      progress(`Chromium (${browserRows.map((r) => r.ep).join(', ')})`);
      rows.push(...(await runInChromium(model, browserRows, clouds, reference.outputs)));
    }
    options.onProgress?.(total, total, 'done');
    return rows;
  } finally {
    releaseBackend();
    if (tf.findBackend(previousBackend)) await tf.setBackend(previousBackend);
    await rm(dir, { recursive: true, force: true });
  }
}

/** True when no row failed (skipped rows do not count against it). */
export function parityPassed(rows: ParityRow[]): boolean {
  return rows.every((r) => r.status !== 'fail');
}
