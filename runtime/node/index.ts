/** The onnxruntime-node runtime: what the CLI, benchmarks and tests import. */
export {
  createNodeSegmenter,
  nodeSessionOptions,
  DEFAULT_MAX_BATCH,
  type NodeSegmenterOptions,
  type NodeModelSource,
} from './node-segmenter.ts';
export {
  listExecutionProviders,
  probeCuda,
  defaultCudaEnvironment,
  onnxruntimeBinDir,
  NODE_EXECUTION_PROVIDERS,
  CUDA_SETUP_COMMAND,
  type NodeExecutionProvider,
  type ExecutionProviderInfo,
  type CudaEnvironment,
  type CudaStatus,
} from './execution-providers.ts';
export { installCudaExecutionProvider, type CudaInstallOptions } from './cuda-install.ts';
export {
  createSegmenterPool,
  threadsPerWorker,
  SegmenterPool,
  SEGMENT_WORKER_ENTRY,
  type SegmenterPoolOptions,
} from './worker-pool.ts';
