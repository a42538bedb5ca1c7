/**
 * The heavy half of `pnet`, loaded on first use. Importing `pnet` to segment clouds loads onnxruntime-node and the
 * core only; training, evaluation and export (TF.js, vega, onnx-proto) and file labelling (fast-glob, cli-progress)
 * load when first called. Each function here has the signature of the one it loads, made async where that one was
 * not. tests/package/light-import.test.ts fails if `pnet` pulls any of those packages in at import time.
 */
import { loadOptional } from './core/node/optional-packages.ts';
// Types from modules whose declarations stay clear of TF.js and onnx-proto: `pnet`'s .d.ts is built from these.
import type { EvalOptions, EvalReport } from './eval/index.ts';
import type { InferOptions } from './infer/index.ts';
import type { InferSummary } from './infer/summary.ts';
import type { TrainOptions, TrainResult } from './train/api.ts';
import type {
  ExportReport,
  OnnxDescription,
  OnnxExportInput,
  OnnxExportOptions,
} from '../exporters/onnx/export-types.ts';

const trainModule = () => loadOptional('train()', () => import('./train/index.ts'));
const evalModule = () => loadOptional('evaluate()', () => import('./eval/index.ts'));
const onnxModule = (what: string) => loadOptional(what, () => import('../exporters/onnx/index.ts'));
const inferModule = () => loadOptional('inferFiles()', () => import('./infer/index.ts'));

/** Trains PointNet with TF.js (see src/train/index.ts). */
export async function train(options: TrainOptions): Promise<TrainResult> {
  return (await trainModule()).train(options);
}

/** Scores a checkpoint by the ShapeNet part benchmark's protocol (see src/eval/index.ts). */
export async function evaluate(options: EvalOptions): Promise<EvalReport> {
  return (await evalModule()).evaluate(options);
}

/** Writes a checkpoint as an ONNX file (opset 17, IR 8). */
export async function exportCheckpointToOnnx(
  checkpointPath: string,
  outPath: string,
  options?: OnnxExportOptions,
): Promise<ExportReport> {
  return (await onnxModule('exportCheckpointToOnnx()')).exportCheckpointToOnnx(checkpointPath, outPath, options);
}

/** The ONNX bytes for weights in memory (async here: the exporter loads on first use). */
export async function buildOnnxModel(input: OnnxExportInput, options?: OnnxExportOptions): Promise<Uint8Array> {
  return (await onnxModule('buildOnnxModel()')).buildOnnxModel(input, options);
}

/** Op counts, FLOPs and metadata of an ONNX file's bytes (async here: the decoder loads on first use). */
export async function describeOnnx(bytes: Uint8Array): Promise<OnnxDescription> {
  return (await onnxModule('describeOnnx()')).describeOnnx(bytes);
}

/** Labels cloud files with onnxruntime-node and writes the outputs (what `pnet infer` does). */
export async function inferFiles(options: InferOptions): Promise<InferSummary> {
  return (await inferModule()).inferFiles(options);
}
