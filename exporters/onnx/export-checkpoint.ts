/** Checkpoint file → .onnx file, written atomically, with a summary of what was written. */
import { readFile } from 'node:fs/promises';
import { buildOnnxModel, type OnnxExportOptions } from './build-model.ts';
import { describeOnnx, type OnnxDescription } from './describe.ts';
import { checkpointHash, checkpointModel, decodeCheckpoint } from '../../src/checkpoint/format.ts';
import { writeFileAtomic } from '../../src/core/node/atomic-write.ts';
import { PnetError } from '../../src/core/errors.ts';

export interface ExportReport extends OnnxDescription {
  /** Where the model was written. */
  path: string;
  checkpoint: string;
  checkpointSha256: string;
}

export async function exportCheckpointToOnnx(
  checkpointPath: string,
  outPath: string,
  options: OnnxExportOptions = {},
): Promise<ExportReport> {
  let fileBytes: Uint8Array;
  try {
    fileBytes = await readFile(checkpointPath);
  } catch (e) {
    throw new PnetError('NOT_FOUND', `cannot read checkpoint: ${(e as Error).message}`, { file: checkpointPath });
  }
  const { layout, weights, meta } = checkpointModel(decodeCheckpoint(fileBytes, checkpointPath), checkpointPath);
  const checkpointSha256 = checkpointHash(fileBytes);
  let bytes: Uint8Array;
  try {
    bytes = buildOnnxModel({ layout, weights, meta, checkpointSha256 }, options);
  } catch (e) {
    if (e instanceof PnetError && !e.file) {
      throw new PnetError(e.code, e.message, { file: checkpointPath, remedy: e.remedy, cause: e });
    }
    throw e;
  }
  await writeFileAtomic(outPath, bytes);
  return { ...describeOnnx(bytes), path: outPath, checkpoint: checkpointPath, checkpointSha256 };
}
