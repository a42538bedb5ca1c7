/**
 * How close each runtime must come to the TF.js reference. CPU kernels differ from TF.js only in summation order
 * (≈1e-6 here); GPU kernels may use fused or reduced-precision math (WebGPU, CUDA's TF32), hence the looser bound.
 */
import type { ParityTolerance } from './types.ts';

export const CPU_TOLERANCE: ParityTolerance = { maxAbsDiff: 1e-4, labelAgreement: 0.999 };
export const GPU_TOLERANCE: ParityTolerance = { maxAbsDiff: 1e-3, labelAgreement: 0.999 };
/** An fp16 export against the fp32 build of the same weights (`pnet export --fp16`; tests/exporters/onnx/parity.test.ts). */
export const FP16_TOLERANCE: ParityTolerance = { maxAbsDiff: 2e-3, labelAgreement: 0.99 };
/**
 * An int8 export against the fp32 build of the same weights, on its calibration clouds (`pnet export --int8`).
 * Only labels are bounded: 8-bit activations move the probabilities of points near a part boundary by tenths,
 * which is what int8 is, so a probability bound would only restate that.
 */
export const INT8_LABEL_AGREEMENT = 0.99;
/** An int8 export's rows in the parity matrix: labels bounded as above, probabilities not (see INT8_LABEL_AGREEMENT). */
export const INT8_TOLERANCE: ParityTolerance = {
  maxAbsDiff: Number.POSITIVE_INFINITY,
  labelAgreement: INT8_LABEL_AGREEMENT,
};
