/** pnet's ONNX exporter: checkpoint / weights → one self-contained .onnx file (opset 17, IR 8). */
export {
  buildOnnxModel,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  type OnnxExportInput,
  type OnnxExportOptions,
} from './build-model.ts';
export { exportCheckpointToOnnx, type ExportReport } from './export-checkpoint.ts';
export { describeOnnx, decodeOnnx, inferShapes, type OnnxDescription } from './describe.ts';
export { GRAPH_LAYOUTS, type GraphLayout } from './pointnet-graph.ts';
export {
  buildInt8Model,
  type CalibrationClouds,
  type Int8Agreement,
  type Int8Build,
  type Int8Calibration,
  type Int8Options,
} from './export-int8.ts';
export {
  CALIBRATION_METHODS,
  DEFAULT_CALIBRATION_METHOD,
  DEFAULT_PERCENTILE,
  type CalibrationMethod,
} from './calibrate.ts';
export { defaultFloat32Layers, type Int8Choices } from './quantize-graph.ts';
