/** pnet's Triton Inference Server exporter: a pnet ONNX export as a model-repository entry (config.pbtxt + labels). */
export { exportCheckpointToTriton, type OnnxFileExporter, type TritonExportReport } from './export-checkpoint.ts';
export {
  writeTritonRepository,
  checkTritonOptions,
  defaultModelName,
  DEFAULT_TRITON_MAX_BATCH,
  type TritonRepositoryOptions,
  type TritonRepositoryReport,
} from './repository.ts';
export {
  tritonModelConfig,
  pbtxtString,
  INSTANCE_KINDS,
  TRITON_LABELS_FILE,
  TRITON_MODEL_FILE,
  TRITON_PLATFORM,
  type InstanceKind,
  type TritonConfigOptions,
  type TritonModelConfig,
  type TritonTensorSpec,
} from './model-config.ts';
