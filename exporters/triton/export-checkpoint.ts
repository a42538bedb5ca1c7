/** Checkpoint file → Triton model repository entry, with the same model bytes `exportCheckpointToOnnx` writes. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportCheckpointToOnnx } from '../onnx/index.ts';
import type { ExportReport, OnnxExportOptions } from '../onnx/export-types.ts';
import {
  checkTritonOptions,
  writeTritonRepository,
  type TritonRepositoryOptions,
  type TritonRepositoryReport,
} from './repository.ts';

export interface TritonExportReport {
  /** The ONNX export, `path` being the model file inside the repository. */
  onnx: ExportReport;
  triton: TritonRepositoryReport;
}

export async function exportCheckpointToTriton(
  checkpointPath: string,
  repoDir: string,
  options: TritonRepositoryOptions & OnnxExportOptions = {},
): Promise<TritonExportReport> {
  checkTritonOptions(options); // before the export, so a bad flag fails at once
  const scratch = await mkdtemp(path.join(tmpdir(), 'pnet-triton-'));
  let onnx: ExportReport;
  let bytes: Uint8Array;
  try {
    // The ONNX exporter's own code path, so the repository holds exactly what `--onnx` would write.
    onnx = await exportCheckpointToOnnx(checkpointPath, path.join(scratch, 'model.onnx'), {
      fp16: options.fp16,
      normalize: options.normalize,
    });
    bytes = await readFile(onnx.path);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const triton = await writeTritonRepository(bytes, repoDir, options);
  return { onnx: { ...onnx, path: triton.modelPath }, triton };
}
