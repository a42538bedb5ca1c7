/**
 * pnet's Node API (`import … from 'pnet'`): segment with onnxruntime-node; train, evaluate, export to ONNX.
 * Importing it loads onnxruntime-node and the core only: the training side (TF.js, vega, onnx-proto) and file
 * labelling load on first call (src/on-demand.ts), so a program that only segments starts fast, and an install
 * without the optional dependencies (`npm i pnet --omit=optional`) serves it.
 */
export {
  train,
  evaluate,
  exportCheckpointToOnnx,
  buildOnnxModel,
  describeOnnx,
  inferFiles,
} from './on-demand.ts';
export { TRAIN_DEFAULTS, type TrainConfig } from './train/options.ts';
export type {
  TrainOptions,
  NewRunOptions,
  ResumeRunOptions,
  TrainCallOptions,
  TrainRecipe,
  TrainResult,
  TrainStepProgress,
} from './train/api.ts';
export type { EpochMetrics } from './train/run-dir.ts';
export { EVAL_SPLITS, type EvalSplit } from './eval/splits.ts';
export { formatEvalReport } from './eval/format-report.ts';
export type { EvalOptions, EvalReport } from './eval/index.ts';
export { ONNX_IR_VERSION, ONNX_OPSET } from '../exporters/onnx/versions.ts';
export type {
  ExportReport,
  OnnxExportInput,
  OnnxExportOptions,
  OnnxDescription,
} from '../exporters/onnx/export-types.ts';
export {
  createNodeSegmenter,
  createNodeSegmenter as createSegmenter,
  createSegmenterPool,
  listExecutionProviders,
  NODE_EXECUTION_PROVIDERS,
  type NodeSegmenterOptions,
  type NodeModelSource,
  type NodeExecutionProvider,
  type SegmenterPoolOptions,
} from '../runtime/node/index.ts';
export {
  METADATA_KEYS,
  readModelInfo,
  readModelInfoFromOnnx,
  TENSOR_NAMES,
  writeModelMetadata,
  type MetadataEntry,
} from './core/contract.ts';
export { INFER_FORMATS, type InferFormat } from './infer/jobs.ts';
export type { InferOptions, InferSummary } from './infer/index.ts';
export type { ModelInfo, SegmentManyOptions, SegmentResult, Segmenter } from '../runtime/segmenter.ts';
export * from './core/formats/index.ts';
export { PnetError, isPnetError, type PnetErrorCode, type PnetErrorOptions } from './core/errors.ts';
export { PNET_VERSION } from './core/version.ts';
