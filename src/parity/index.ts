/** Cross-runtime parity: TF.js vs every ONNX Runtime target on the same clouds, as rows and a Markdown table. */
export { runParity, parityPassed, type ParityOptions } from './run-parity.ts';
export { formatParityTable } from './table.ts';
export {
  parityClouds,
  syntheticParityClouds,
  datasetParityClouds,
  shippedParityClouds,
  SAMPLES_DIR,
  type ParityCloudSet,
} from './clouds.ts';
export { randomWeightModel, type InMemoryModel, type RandomModelOptions } from './random-model.ts';
export { compareOutputs, withinTolerance, type OutputDifference } from './compare.ts';
export { CPU_TOLERANCE, FP16_TOLERANCE, GPU_TOLERANCE } from './tolerances.ts';
export { exportCheckpointToFp16Onnx, measureFp16Parity, type Fp16ExportReport, type Fp16Parity } from './fp16.ts';
export type { CloudOutput, ParityCloud, ParityRow, ParityStatus, ParityTolerance, RuntimeOutcome } from './types.ts';
