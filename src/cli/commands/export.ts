import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { PnetCommand } from '../command.ts';
import { PnetError } from '../../core/errors.ts';
import { buildOnnxModel, exportCheckpointToOnnx, type ExportReport } from '../../../exporters/onnx/index.ts';
import {
  DEFAULT_TRITON_MAX_BATCH,
  exportCheckpointToTriton,
  INSTANCE_KINDS,
  type InstanceKind,
  type TritonRepositoryReport,
} from '../../../exporters/triton/index.ts';
import { readCheckpoint } from '../../checkpoint/format.ts';
import { resolveCheckpoint } from '../../checkpoint/resolve.ts';
import { modelLayout, type WeightMap } from '../../model/spec.ts';
import { synthAirplane } from '../../data/synth.ts';
import { normalizeUnitSphere } from '../../core/normalize.ts';
import { Rng } from '../../core/rng.ts';

interface ExportArgs {
  source: string;
  onnx?: string;
  fp16: boolean;
  normalize: boolean;
  json: boolean;
  triton?: string;
  name?: string;
  version?: number;
  maxBatch?: number;
  points?: number;
  instanceKind?: InstanceKind;
  instances?: number;
  force: boolean;
}

function defaultOutput(source: string, checkpoint: string, fp16: boolean): string {
  const suffix = fp16 ? '.fp16.onnx' : '.onnx';
  if (checkpoint === source) return checkpoint.replace(/\.ckpt$/, '') + suffix;
  return path.join(source, `model${suffix}`);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function formatExportReport(r: ExportReport): string {
  const ops = Object.entries(r.opCounts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');
  const m = r.metadata;
  return [
    `wrote ${r.path} (${mb(r.bytes)}, ${m['pnet.precision']}, normalisation: ${m['pnet.normalization']})`,
    `  from ${r.checkpoint} (sha256 ${r.checkpointSha256.slice(0, 16)}…), preset ${m['pnet.preset']}, classes ${m['pnet.classes']}`,
    `  ONNX IR ${r.irVersion}, opset ${r.opset}; ${r.nodeCount} nodes: ${ops}`,
    `  ${(r.flopsPerPoint / 1e6).toFixed(2)} MFLOP per point (${(r.flopsPerCloud / 1e9).toFixed(2)} GFLOP per ` +
      `${r.flopsPoints}-point cloud; Conv, Gemm and MatMul counted as 2 FLOPs per multiply-add, elementwise ops 1 per element, ` +
      'per-cloud T-Net and global terms spread over the points)',
  ].join('\n');
}

/** The fp16-vs-fp32 gap the exporter's parity tests allow (tests/exporters/onnx/parity.test.ts). */
export const FP16_TOLERANCE = { maxAbsDiff: 2e-3, labelAgreement: 0.99 } as const;
const FP16_PARITY_CLOUDS = 3;
const FP16_PARITY_SEED = 16;

export interface Fp16Parity {
  clouds: number;
  points: number;
  maxAbsDiff: number;
  labelAgreement: number;
  tolerance: typeof FP16_TOLERANCE;
  withinTolerance: boolean;
}

/**
 * Runs the fp16 export and an in-memory fp32 build of the same checkpoint on a few seeded synthetic airplanes
 * (onnxruntime-node, CPU) and compares probabilities and labels. Synthetic clouds keep the check independent of
 * any dataset on disk; raw coordinates are fed unless the graph was exported without normalisation.
 */
export async function measureFp16Parity(checkpoint: string, fp16Bytes: Uint8Array, normalize: boolean): Promise<Fp16Parity> {
  const { meta, tensors } = await readCheckpoint(checkpoint);
  const weights: WeightMap = new Map(tensors.filter((t) => !t.name.startsWith('optimizer/')).map((t) => [t.name, t]));
  const layout = modelLayout(meta.preset, meta.classes.names.length);
  const fp32Bytes = buildOnnxModel({ layout, weights, meta, checkpointSha256: '' }, { normalize });
  const ort = await import('onnxruntime-node');
  const [full, half] = await Promise.all([fp32Bytes, fp16Bytes].map((b) => ort.InferenceSession.create(b)));
  const rng = new Rng(FP16_PARITY_SEED);
  let maxAbsDiff = 0;
  let same = 0;
  let points = 0;
  try {
    for (let i = 0; i < FP16_PARITY_CLOUDS; i++) {
      const raw = synthAirplane(rng.fork(i + 1), `fp16_parity_${i}`).points;
      const xyz = normalize ? raw : normalizeUnitSphere(raw);
      const n = xyz.length / 3;
      const feeds = { points: new ort.Tensor('float32', xyz, [1, n, 3]) };
      const [a, b] = [await full!.run(feeds), await half!.run(feeds)];
      const pa = a.probabilities!.data as Float32Array;
      const pb = b.probabilities!.data as Float32Array;
      for (let j = 0; j < pa.length; j++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(pa[j]! - pb[j]!));
      const la = a.labels!.data as BigInt64Array;
      const lb = b.labels!.data as BigInt64Array;
      for (let j = 0; j < n; j++) if (la[j] === lb[j]) same++;
      points += n;
    }
  } finally {
    await Promise.all([full!.release(), half!.release()]);
  }
  const labelAgreement = same / points;
  return {
    clouds: FP16_PARITY_CLOUDS,
    points,
    maxAbsDiff,
    labelAgreement,
    tolerance: FP16_TOLERANCE,
    withinTolerance: maxAbsDiff <= FP16_TOLERANCE.maxAbsDiff && labelAgreement >= FP16_TOLERANCE.labelAgreement,
  };
}

export function formatFp16Parity(p: Fp16Parity): string {
  return (
    `  fp16 vs fp32 on ${p.clouds} synthetic airplanes (${p.points} points, onnxruntime CPU): ` +
    `max |Δp| ${p.maxAbsDiff.toExponential(2)}, labels agree ${(p.labelAgreement * 100).toFixed(2)}% ` +
    `(tolerance: max |Δp| ≤ ${p.tolerance.maxAbsDiff.toExponential(0)}, labels ≥ ${p.tolerance.labelAgreement * 100}%)`
  );
}

export function fp16ParityWarning(p: Fp16Parity): string {
  return (
    `warning: this fp16 export is outside the documented tolerance (max |Δp| ${p.maxAbsDiff.toExponential(2)}, ` +
    `labels agree ${(p.labelAgreement * 100).toFixed(2)}%); check it on your own clouds, or export without --fp16`
  );
}

export function formatTritonReport(t: TritonRepositoryReport): string {
  const o = t.options;
  const points = o.points === undefined ? 'any point count' : `${o.points} points per cloud (clients resample)`;
  const batching = o.maxBatch > 0 ? `max_batch_size ${o.maxBatch}, dynamic batching` : 'batching off';
  return [
    `wrote Triton model "${t.name}" version ${t.version}${t.replaced ? ' (replaced)' : ''} in ${t.repository}`,
    `  ${t.configPath}: ${points}, ${batching}, ${o.instances} × ${o.instanceKind === 'gpu' ? 'KIND_GPU' : 'KIND_CPU'}`,
    `  ${t.labelsPath}: ${t.config.classes.join(', ')}`,
    `  serve: tritonserver --model-repository=${t.repository}; infer: POST /v2/models/${t.name}/infer`,
  ].join('\n');
}

export const exportCommand: PnetCommand<ExportArgs> = {
  command: 'export <source>',
  describe: 'Export a trained model (run directory or .ckpt) to one self-contained ONNX file',
  builder: (y: Argv) =>
    y
      .positional('source', {
        type: 'string',
        demandOption: true,
        describe: 'run directory (uses best.ckpt, else last.ckpt) or a checkpoint file',
      })
      .option('onnx', {
        type: 'string',
        describe: 'output .onnx path (default: <run>/model.onnx, or the checkpoint name with .onnx)',
      })
      .option('fp16', {
        type: 'boolean',
        default: false,
        describe: 'float16 weights and compute (half the size); input and outputs stay float32',
      })
      .option('normalize', {
        type: 'boolean',
        default: true,
        describe: 'centre and unit-sphere-scale each cloud inside the graph (--no-normalize: caller does it)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the export report as JSON' })
      // `--version` is the model version here, not pnet's own version.
      .version(false)
      .option('triton', {
        type: 'string',
        describe: 'write the model into this Triton model repository: <dir>/<name>/config.pbtxt, labels.txt, <version>/model.onnx',
      })
      .option('name', { type: 'string', describe: 'Triton model name (default: pnet_<category>, e.g. pnet_airplane)' })
      .option('version', { type: 'number', describe: 'Triton model version folder (default 1)' })
      .option('max-batch', {
        type: 'number',
        describe: `clouds Triton may batch per run (default ${DEFAULT_TRITON_MAX_BATCH}); 0 turns batching off`,
      })
      .option('points', {
        type: 'number',
        describe: 'serve a fixed point count so every request batches (clients resample); default: any count, exact labels',
      })
      .option('instance-kind', { choices: INSTANCE_KINDS, describe: 'where Triton runs the model (default gpu)' })
      .option('instances', { type: 'number', describe: 'model instances (per GPU for gpu; default 1)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing Triton model version' })
      .example('$0 export runs/airplane --onnx airplane.onnx', 'export the best checkpoint of a run')
      .example('$0 export runs/airplane/last.ckpt --onnx airplane.fp16.onnx --fp16', 'half-precision variant')
      .example('$0 export runs/airplane --onnx raw.onnx --no-normalize', 'graph without built-in preprocessing')
      .example('$0 export runs/airplane --triton repo', 'Triton model repository entry repo/pnet_airplane (any point count)')
      .example(
        '$0 export runs/airplane --triton repo --points 2048 --max-batch 32 --version 2',
        'fixed point count: Triton batches every request',
      ) as Argv<ExportArgs>,
  async handler(args) {
    const checkpoint = await resolveCheckpoint(args.source);
    const triton = args.triton === undefined ? undefined : { repository: args.triton };
    let report: ExportReport | undefined;
    let repository: TritonRepositoryReport | undefined;
    if (args.onnx !== undefined || !triton) {
      const out = args.onnx ?? defaultOutput(args.source, checkpoint, args.fp16);
      if (!out.endsWith('.onnx')) {
        throw new PnetError('BAD_ARGUMENT', `--onnx must name a .onnx file, got "${out}"`);
      }
      report = await exportCheckpointToOnnx(checkpoint, out, { fp16: args.fp16, normalize: args.normalize });
    }
    if (triton) {
      const r = await exportCheckpointToTriton(checkpoint, triton.repository, {
        fp16: args.fp16,
        normalize: args.normalize,
        name: args.name,
        version: args.version,
        maxBatch: args.maxBatch,
        points: args.points,
        instanceKind: args.instanceKind,
        instances: args.instances,
        force: args.force,
      });
      report ??= r.onnx;
      repository = r.triton;
    }
    const parity = args.fp16 ? await measureFp16Parity(checkpoint, await readFile(report!.path), args.normalize) : undefined;
    if (args.json) {
      const tritonJson = repository && { ...repository, config: undefined, labels: repository.config.classes };
      console.log(
        JSON.stringify({ ...report, ...(tritonJson && { triton: tritonJson }), ...(parity && { fp16Parity: parity }) }, null, 2),
      );
    } else {
      console.log(formatExportReport(report!));
      if (parity) console.log(formatFp16Parity(parity));
      if (repository) console.log(formatTritonReport(repository));
    }
    if (parity && !parity.withinTolerance) console.warn(fp16ParityWarning(parity));
    return 0;
  },
};
