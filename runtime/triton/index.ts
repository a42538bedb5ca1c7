/** The Triton Inference Server runtime: pnet models served by Triton, behind the same Segmenter interface. */
export { createTritonSegmenter, DEFAULT_TRITON_CONCURRENCY, type TritonSegmenterOptions } from './triton-segmenter.ts';
export { readServedModel, type ServedModel } from './served-model.ts';
export {
  inferRequestBody,
  modelUrl,
  type KserveInferRequest,
  type KserveInferResponse,
  type KserveTensor,
} from './kserve-http.ts';
export { fixedCountPointIndices, resampleCloud, gatherResults, type ResampledCloud } from './point-sampling.ts';
