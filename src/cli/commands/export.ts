import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { PnetCommand } from '../command.ts';
import { PnetError } from '../../core/errors.ts';
import {
  CALIBRATION_METHODS,
  DEFAULT_CALIBRATION_METHOD,
  DEFAULT_PERCENTILE,
  exportCheckpointToOnnx,
  type CalibrationMethod,
  type ExportReport,
} from '../../../exporters/onnx/index.ts';
import { DEFAULT_CALIBRATION_CLOUDS, exportCheckpointToInt8Onnx, type Int8ExportReport } from '../../quantize/index.ts';
import {
  DEFAULT_TRITON_MAX_BATCH,
  checkTritonOptions,
  exportCheckpointToTriton,
  INSTANCE_KINDS,
  type OnnxFileExporter,
  type TritonRepositoryOptions,
  type TritonRepositoryReport,
} from '../../../exporters/triton/index.ts';
import { resolveCheckpoint } from '../../checkpoint/resolve.ts';
import { exportCheckpointToFp16Onnx, type Fp16ExportReport, type Fp16Parity } from '../../parity/fp16.ts';
import { INT8_LABEL_AGREEMENT } from '../../parity/tolerances.ts';
import { METADATA_KEYS } from '../../core/contract.ts';

/** The Triton options are TritonRepositoryOptions' own (--name, --version, --max-batch, …). */
interface ExportArgs extends TritonRepositoryOptions {
  source: string;
  onnx?: string;
  fp16: boolean;
  int8: boolean;
  calibrate?: string;
  category?: string[];
  calibrationClouds?: number;
  calibrationMethod?: CalibrationMethod;
  normalize: boolean;
  json: boolean;
  triton?: string;
  force: boolean;
}

function defaultOutput(source: string, checkpoint: string, fp16: boolean, int8: boolean): string {
  const suffix = fp16 ? '.fp16.onnx' : int8 ? '.int8.onnx' : '.onnx';
  if (checkpoint === source) return checkpoint.replace(/\.ckpt$/, '') + suffix;
  return path.join(source, `model${suffix}`);
}

async function copyInto(from: string, to: string): Promise<string> {
  await copyFile(from, to);
  return to;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function formatExportReport(r: ExportReport): string {
  const ops = Object.entries(r.opCounts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([op, n]) => `${op} ${n}`)
    .join(', ');
  const m = r.metadata;
  return [
    `wrote ${r.path} (${mb(r.bytes)}, ${m[METADATA_KEYS.precision]}, normalisation: ${m[METADATA_KEYS.normalization]})`,
    `  from ${r.checkpoint} (sha256 ${r.checkpointSha256.slice(0, 16)}…), preset ${m[METADATA_KEYS.preset]}, classes ${m[METADATA_KEYS.classes]}`,
    `  ONNX IR ${r.irVersion}, opset ${r.opset}; ${r.nodeCount} nodes: ${ops}`,
    `  ${(r.flopsPerPoint / 1e6).toFixed(2)} MFLOP per point (${(r.flopsPerCloud / 1e9).toFixed(2)} GFLOP per ` +
      `${r.flopsPoints}-point cloud; Conv, Gemm and MatMul counted as 2 FLOPs per multiply-add, elementwise ops 1 per element, ` +
      'per-cloud T-Net and global terms spread over the points)',
  ].join('\n');
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

export function formatInt8Report(r: Int8ExportReport): string {
  const c = r.calibration;
  const method = c.method === 'percentile' ? `percentile ${c.percentile}` : c.method;
  const from =
    c.source === 'cloud-files'
      ? 'cloud files'
      : `${c.categories.join(', ')}${c.source === 'dataset-train-split' ? ', train split' : ''}`;
  const skipped = r.calibrationData.skipped > 0 ? `, ${r.calibrationData.skipped} unreadable skipped` : '';
  return [
    `  int8: calibrated (${method}) on ${c.clouds} of ${r.calibrationData.available} clouds in ${r.calibrationData.path} (${from}${skipped}); ` +
      `${c.weights} weights, ${c.activations} activations; float32: ${c.float32_layers.join(', ')}`,
    `  int8 vs fp32 on those clouds (${r.agreement.points} points, onnxruntime CPU): labels agree ${(r.agreement.labelAgreement * 100).toFixed(2)}%, ` +
      `max |Δp| ${r.agreement.maxAbsDiff.toFixed(3)} (tolerance: labels ≥ ${INT8_LABEL_AGREEMENT * 100}%)`,
  ].join('\n');
}

export function int8AgreementWarning(r: Int8ExportReport): string {
  return (
    `warning: this int8 export gives the fp32 labels on only ${(r.agreement.labelAgreement * 100).toFixed(2)}% of the ` +
    'calibration points; calibrate on more or other clouds (--calibration-clouds, --calibration-method), or export without --int8'
  );
}

/** onnxruntime fuses QDQ pairs into int8 kernels on its CPU provider (MLAS); its CUDA provider has few of them. */
export const INT8_ON_GPU_NOTE =
  'note: int8 QDQ models get their int8 kernels from onnxruntime on CPU; on KIND_GPU the CUDA provider may run them ' +
  'slower than fp32 (pass --instance-kind cpu, or serve the fp32 or --fp16 export on GPUs)';

export function formatTritonReport(t: TritonRepositoryReport): string {
  const o = t.options;
  const points = o.points === undefined ? 'any point count' : `${o.points} points per cloud (clients resample)`;
  const batching = o.maxBatch > 0 ? `max_batch_size ${o.maxBatch}, dynamic batching` : 'batching off';
  return [
    `wrote Triton model "${t.name}" version ${t.version}${t.replaced ? ' (replaced)' : ''} in ${t.repository}`,
    ...(t.servedVersion === t.version
      ? []
      : [
          `  Triton serves version ${t.servedVersion} (the highest); config.pbtxt and labels.txt follow it, and version ${t.version} shares its contract`,
        ]),
    `  ${t.configPath}: ${points}, ${batching}, ${o.instances} × ${o.instanceKind === 'gpu' ? 'KIND_GPU' : 'KIND_CPU'}`,
    `  ${t.labelsPath}: ${t.config.classes.join(', ')}`,
    `  serve: tritonserver --model-repository=${t.repository}; infer: POST /v2/models/${t.name}/infer`,
  ].join('\n');
}

/** Refuses int8 option mixes before anything is read or written. */
function checkInt8Arguments(args: ExportArgs): void {
  if (!args.int8) {
    const stray = [
      args.calibrate !== undefined && '--calibrate',
      args.category !== undefined && '--category',
      args.calibrationClouds !== undefined && '--calibration-clouds',
    ].filter(Boolean);
    if (stray.length > 0) throw new PnetError('BAD_ARGUMENT', `${stray.join(', ')} only apply with --int8`);
    return;
  }
  if (args.calibrate === undefined) {
    throw new PnetError(
      'BAD_ARGUMENT',
      '--int8 needs --calibrate DATA: a dataset folder or a folder of .pts/.ply clouds to calibrate activation ranges on',
    );
  }
  if (args.fp16) throw new PnetError('BAD_ARGUMENT', '--int8 and --fp16 are different precisions; choose one');
}

export const exportCommand: PnetCommand<ExportArgs> = {
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
      .option('int8', {
        type: 'boolean',
        default: false,
        describe:
          'int8 weights and activations (QDQ, static, calibrated with --calibrate); about a quarter of the size; input and outputs stay float32',
      })
      .option('calibrate', {
        type: 'string',
        describe:
          'with --int8: clouds to calibrate activation ranges on: a dataset folder (its train split when it has one) or a folder of .pts/.ply files',
      })
      .option('category', {
        type: 'string',
        array: true,
        describe: "with --calibrate on a dataset: the categories to calibrate on (default: the model's)",
      })
      .option('calibration-clouds', {
        type: 'number',
        describe: `with --int8: clouds to calibrate on, spread evenly over the data (default ${DEFAULT_CALIBRATION_CLOUDS})`,
      })
      .option('calibration-method', {
        choices: CALIBRATION_METHODS,
        default: DEFAULT_CALIBRATION_METHOD,
        describe: `with --int8: activation ranges from the min/max seen, or the ${DEFAULT_PERCENTILE}th percentile`,
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
        describe:
          'write the model into this Triton model repository: <dir>/<name>/config.pbtxt, labels.txt, <version>/model.onnx',
      })
      .option('name', { type: 'string', describe: 'Triton model name (default: pnet_<category>, e.g. pnet_airplane)' })
      .option('version', { type: 'number', describe: 'Triton model version folder (default 1)' })
      .option('max-batch', {
        type: 'number',
        describe: `clouds Triton may batch per run (default ${DEFAULT_TRITON_MAX_BATCH}); 0 turns batching off`,
      })
      .option('points', {
        type: 'number',
        describe:
          'serve a fixed point count so every request batches (clients resample); default: any count, exact labels',
      })
      .option('instance-kind', { choices: INSTANCE_KINDS, describe: 'where Triton runs the model (default gpu)' })
      .option('instances', { type: 'number', describe: 'model instances (per GPU for gpu; default 1)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing Triton model version' })
      .example('$0 export runs/airplane --onnx airplane.onnx', 'export the best checkpoint of a run')
      .example('$0 export runs/airplane/last.ckpt --onnx airplane.fp16.onnx --fp16', 'half-precision variant')
      .example(
        '$0 export runs/airplane --onnx airplane.int8.onnx --int8 --calibrate data/shapenet',
        "int8 variant, calibrated on the training clouds of the model's category",
      )
      .example('$0 export runs/airplane --onnx raw.onnx --no-normalize', 'graph without built-in preprocessing')
      .example(
        '$0 export runs/airplane --triton repo',
        'Triton model repository entry repo/pnet_airplane (any point count)',
      )
      .example(
        '$0 export runs/airplane --triton repo --points 2048 --max-batch 32 --version 2',
        'fixed point count: Triton batches every request',
      ),
  async handler(args) {
    checkInt8Arguments(args);
    const checkpoint = await resolveCheckpoint(args.source);
    const tritonOptions: TritonRepositoryOptions | undefined =
      args.triton === undefined
        ? undefined
        : {
            name: args.name,
            version: args.version,
            maxBatch: args.maxBatch,
            points: args.points,
            instanceKind: args.instanceKind,
            instances: args.instances,
            force: args.force,
          };
    if (tritonOptions) checkTritonOptions(tritonOptions); // before any file is written
    const int8Options = args.int8
      ? {
          data: args.calibrate!,
          categories: args.category,
          clouds: args.calibrationClouds,
          method: args.calibrationMethod ?? DEFAULT_CALIBRATION_METHOD,
          normalize: args.normalize,
        }
      : undefined;
    type AnyExportReport = ExportReport | Int8ExportReport | Fp16ExportReport;
    const exportOnnxFile: OnnxFileExporter<AnyExportReport> = (from, to) =>
      int8Options
        ? exportCheckpointToInt8Onnx(from, to, int8Options)
        : args.fp16
          ? exportCheckpointToFp16Onnx(from, to, { normalize: args.normalize })
          : exportCheckpointToOnnx(from, to, { normalize: args.normalize });
    let report: AnyExportReport | undefined;
    let repository: TritonRepositoryReport | undefined;
    if (args.onnx !== undefined || !tritonOptions) {
      const out = args.onnx ?? defaultOutput(args.source, checkpoint, args.fp16, args.int8);
      if (!out.endsWith('.onnx')) {
        throw new PnetError('BAD_ARGUMENT', `--onnx must name a .onnx file, got "${out}"`);
      }
      report = await exportOnnxFile(checkpoint, out);
    }
    if (tritonOptions) {
      // With --onnx too, the repository gets the very file just written (int8 is not calibrated twice).
      const written = report;
      const r = await exportCheckpointToTriton(
        checkpoint,
        args.triton!,
        tritonOptions,
        written ? async (_, to) => ({ ...written, path: await copyInto(written.path, to) }) : exportOnnxFile,
      );
      report ??= r.onnx;
      repository = r.triton;
    }
    const int8 = report && 'calibration' in report ? (report as Int8ExportReport) : undefined;
    const parity: Fp16Parity | undefined = report && 'fp16Parity' in report ? report.fp16Parity : undefined;
    if (args.json) {
      const tritonJson = repository && { ...repository, config: undefined, labels: repository.config.classes };
      console.log(
        JSON.stringify(
          { ...report, ...(tritonJson && { triton: tritonJson }), ...(parity && { fp16Parity: parity }) },
          null,
          2,
        ),
      );
    } else {
      console.log(formatExportReport(report!));
      if (int8) console.log(formatInt8Report(int8));
      if (parity) console.log(formatFp16Parity(parity));
      if (repository) console.log(formatTritonReport(repository));
    }
    if (parity && !parity.withinTolerance) console.warn(fp16ParityWarning(parity));
    if (int8 && int8.agreement.labelAgreement < INT8_LABEL_AGREEMENT) console.warn(int8AgreementWarning(int8));
    if (int8 && repository?.options.instanceKind === 'gpu') console.warn(INT8_ON_GPU_NOTE);
    return 0;
  },
};

export const { builder, handler } = exportCommand;
