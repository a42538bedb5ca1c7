/** A checkpoint's bytes as the exporter's input: the model and the bytes' sha256 (stamped into the graph as provenance). */
import { checkpointHash, checkpointModel, decodeCheckpoint } from '../../src/checkpoint/format.ts';
import type { OnnxExportInput } from './export-types.ts';

export async function checkpointExportInput(bytes: Uint8Array, file = '<memory>'): Promise<OnnxExportInput> {
  const { architecture, weights, meta } = checkpointModel(await decodeCheckpoint(bytes, file), file);
  return { architecture, weights, meta, checkpointSha256: await checkpointHash(bytes) };
}
