/**
 * `pnet export --int8 --calibrate DATA` as one call: the checkpoint and DATA's calibration clouds are both read
 * (either may fail) before anything is written, then the int8 file is written atomically.
 */
import path from 'node:path';
import {
  buildInt8Model,
  type Int8Build,
  type Int8Calibration,
  type Int8Agreement,
  type Int8Options,
} from '../../exporters/onnx/export-int8.ts';
import { readCheckpointForExport, writeExport, type ExportReport } from '../../exporters/onnx/export-checkpoint.ts';
import { loadCalibrationClouds } from './calibration-data.ts';

export interface Int8ExportOptions extends Int8Options {
  /** `--calibrate DATA`: a dataset folder or a folder of cloud files (calibration-data.ts). */
  data: string;
  /** Dataset categories to calibrate on; the model's own by default. */
  categories?: string[];
  /** Calibration clouds to use (default DEFAULT_CALIBRATION_CLOUDS). */
  clouds?: number;
}

export interface Int8ExportReport extends ExportReport {
  calibration: Int8Calibration;
  agreement: Int8Agreement;
  /** Clouds DATA offered and picked clouds skipped as unreadable. */
  calibrationData: { path: string; available: number; skipped: number };
}

/** Reads the checkpoint and the calibration clouds (both may fail, before anything is written), then writes atomically. */
export async function exportCheckpointToInt8Onnx(
  checkpointPath: string,
  outPath: string,
  options: Int8ExportOptions,
): Promise<Int8ExportReport> {
  const input = await readCheckpointForExport(checkpointPath);
  const set = await loadCalibrationClouds(options.data, {
    categories: options.categories ?? input.meta.category,
    categoriesGiven: options.categories !== undefined,
    count: options.clouds,
  });
  let build: Int8Build | undefined;
  const report = await writeExport(input, checkpointPath, outPath, async (i) => {
    build = await buildInt8Model(i, { ...set, name: path.basename(path.resolve(options.data)) }, options);
    return build.bytes;
  });
  return {
    ...report,
    calibration: build!.calibration,
    agreement: build!.agreement,
    calibrationData: { path: options.data, available: set.available, skipped: set.skipped },
  };
}
