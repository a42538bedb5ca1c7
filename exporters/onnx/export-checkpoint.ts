/** Checkpoint file → .onnx file, written atomically, with a summary of what was written. */
import { buildOnnxModel, type OnnxExportInput, type OnnxExportOptions } from './build-model.ts';
import { describeOnnx } from './describe.ts';
import type { ExportReport } from './export-types.ts';
import { checkpointExportInput } from './checkpoint-input.ts';
import { readCheckpointBytes } from '../../src/checkpoint/files.ts';
import { writeFileAtomic } from '../../src/core/node/atomic-write.ts';
import { PnetError } from '../../src/core/errors.ts';

export type { ExportReport } from './export-types.ts';

/** A checkpoint file read for export: the model and the file's sha256 (stamped into the graph as provenance). */
export async function readCheckpointForExport(checkpointPath: string): Promise<OnnxExportInput> {
  return checkpointExportInput(await readCheckpointBytes(checkpointPath), checkpointPath);
}

/** Builds with `build`, naming the checkpoint in any error that names no file, and writes the result atomically. */
export async function writeExport(
  input: OnnxExportInput,
  checkpointPath: string,
  outPath: string,
  build: (input: OnnxExportInput) => Uint8Array | Promise<Uint8Array>,
): Promise<ExportReport> {
  let bytes: Uint8Array;
  try {
    bytes = await build(input);
  } catch (e) {
    if (e instanceof PnetError && !e.file) {
      throw new PnetError(e.code, e.message, { file: checkpointPath, remedy: e.remedy, cause: e });
    }
    throw e;
  }
  await writeFileAtomic(outPath, bytes);
  return {
    ...describeOnnx(bytes),
    path: outPath,
    checkpoint: checkpointPath,
    checkpointSha256: input.checkpointSha256,
  };
}

export async function exportCheckpointToOnnx(
  checkpointPath: string,
  outPath: string,
  options: OnnxExportOptions = {},
): Promise<ExportReport> {
  const input = await readCheckpointForExport(checkpointPath);
  return writeExport(input, checkpointPath, outPath, (i) => buildOnnxModel(i, options));
}
