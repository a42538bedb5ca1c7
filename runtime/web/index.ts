/** Public surface of pnet's browser runtime (built to dist/web/pnet-web.js by runtime/web/build/main.ts). */
export {
  createSegmenter,
  DEFAULT_WEB_MAX_BATCH,
  type ExecutionProviderFallback,
  type ModelSource,
  type WebSegmenter,
  type WebSegmenterOptions,
  type WebSegmentResult,
} from './web-segmenter.ts';
export {
  DEFAULT_EXECUTION_PROVIDERS,
  WEB_EXECUTION_PROVIDERS,
  webgpuUnavailableReason,
  type WebExecutionProvider,
} from './execution-providers.ts';
export { METADATA_KEYS, readModelInfo, readModelInfoFromOnnx, TENSOR_NAMES } from '../../src/core/contract.ts';
export type { ModelInfo, SegmentManyOptions, SegmentResult, Segmenter } from '../segmenter.ts';
export * from '../../src/core/formats/index.ts';
export { PnetError, isPnetError, type PnetErrorCode } from '../../src/core/errors.ts';
