/** pnet's Node API (`import … from 'pnet'`): train, evaluate, export to ONNX, segment with onnxruntime-node. */
export {
  train,
  TRAIN_DEFAULTS,
  type TrainOptions,
  type TrainResult,
  type TrainConfig,
  type EpochMetrics,
} from './train/index.ts';
export {
  evaluate,
  formatEvalReport,
  EVAL_SPLITS,
  type EvalOptions,
  type EvalReport,
  type EvalSplit,
} from './eval/index.ts';
export {
  exportCheckpointToOnnx,
  buildOnnxModel,
  describeOnnx,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  type ExportReport,
  type OnnxExportInput,
  type OnnxExportOptions,
  type OnnxDescription,
} from '../exporters/onnx/index.ts';
export {
  createNodeSegmenter,
  createNodeSegmenter as createSegmenter,
  createSegmenterPool,
  listExecutionProviders,
  NODE_EXECUTION_PROVIDERS,
  type NodeSegmenterOptions,
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
export { inferFiles, INFER_FORMATS, type InferFormat, type InferOptions, type InferSummary } from './infer/index.ts';
export type { ModelInfo, SegmentManyOptions, SegmentResult, Segmenter } from '../runtime/segmenter.ts';
export * from './core/formats/index.ts';
export { PnetError, isPnetError, type PnetErrorCode, type PnetErrorOptions } from './core/errors.ts';
export { PNET_VERSION } from './core/node/version.ts';
