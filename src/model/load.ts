/** Builds a PointNet from a checkpoint file (weights by spec name; optimizer slots are ignored). */
import { readFile } from 'node:fs/promises';
import { decodeCheckpoint, type Checkpoint, type CheckpointMeta } from '../checkpoint/format.ts';
import { PnetError } from '../errors.ts';
import { PointNet } from './pointnet.ts';
import { modelLayout, type WeightMap } from './spec.ts';

export const OPTIMIZER_PREFIX = 'optimizer/';

/**
 * Reads and verifies a checkpoint file. The bytes are copied into a Uint8Array of their own first: Node's
 * readFile returns a Buffer whose `slice` is a view into a larger pool, and decoding takes `.buffer` of a slice.
 */
export async function readCheckpointFile(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new PnetError('NOT_FOUND', `cannot read checkpoint: ${(e as Error).message}`, { file: path });
  }
  return decodeCheckpoint(bytes, path);
}

export async function loadPointNetFromCheckpoint(path: string): Promise<{ model: PointNet; meta: CheckpointMeta }> {
  const { meta, tensors } = await readCheckpointFile(path);
  if (!meta?.preset || !Array.isArray(meta.classes?.names)) {
    throw new PnetError('BAD_CHECKPOINT', 'checkpoint metadata lacks the preset or the class names', { file: path });
  }
  const layout = modelLayout(meta.preset, meta.classes.names.length);
  const weights: WeightMap = new Map();
  for (const t of tensors) if (!t.name.startsWith(OPTIMIZER_PREFIX)) weights.set(t.name, t);
  try {
    return { model: PointNet.create(layout, weights), meta };
  } catch (e) {
    if (e instanceof PnetError) throw new PnetError(e.code, e.message, { file: path, remedy: e.remedy, cause: e });
    throw e;
  }
}
