/** Checkpoint file → Triton model repository entry, with the same model bytes `exportCheckpointToOnnx` writes. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExportReport, OnnxExportOptions } from '../onnx/export-types.ts';
import {
  checkTritonOptions,
  writeTritonRepository,
  type TritonRepositoryOptions,
  type TritonRepositoryReport,
} from './repository.ts';

export interface TritonExportReport<R extends ExportReport = ExportReport> {
  /** The ONNX export, `path` being the model file inside the repository. */
  onnx: R;
  triton: TritonRepositoryReport;
}

/** Writes the ONNX file for a checkpoint: the fp32/fp16 exporter by default, or another (the int8 one). */
export type OnnxFileExporter<R extends ExportReport> = (checkpointPath: string, outPath: string) => Promise<R>;

export async function exportCheckpointToTriton<R extends ExportReport = ExportReport>(
  checkpointPath: string,
  repoDir: string,
  options: TritonRepositoryOptions & OnnxExportOptions = {},
  exportOnnx?: OnnxFileExporter<R>,
): Promise<TritonExportReport<R>> {
  checkTritonOptions(options); // before the export, so a bad flag fails at once
  // The ONNX exporter (and its protobuf library) loads only here: serving through pnet/triton never needs it.
  const exporter =
    exportOnnx ??
    (async (checkpoint: string, out: string) => {
      const { exportCheckpointToOnnx } = await import('../onnx/index.ts');
      return (await exportCheckpointToOnnx(checkpoint, out, {
        fp16: options.fp16,
        normalize: options.normalize,
      })) as R;
    });
  const scratch = await mkdtemp(path.join(tmpdir(), 'pnet-triton-'));
  let onnx: R;
  let bytes: Uint8Array;
  try {
    // The ONNX exporter's own code path, so the repository holds exactly what `--onnx` would write.
    onnx = await exporter(checkpointPath, path.join(scratch, 'model.onnx'));
    bytes = await readFile(onnx.path);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const triton = await writeTritonRepository(bytes, repoDir, options);
  return { onnx: { ...onnx, path: triton.modelPath }, triton };
}
