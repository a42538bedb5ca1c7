/** `pnet export --int8`'s app half: DATA's calibration clouds read through the data layer, then the exporter. */
export { DEFAULT_CALIBRATION_CLOUDS, loadCalibrationClouds, type CalibrationSet } from './calibration-data.ts';
export {
  exportCheckpointToInt8Onnx,
  type Int8ExportOptions,
  type Int8ExportReport,
} from './export-int8-checkpoint.ts';
