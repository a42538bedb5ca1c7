/** Builds a PointNet from a checkpoint file (weights by spec name; optimizer slots are ignored). */
import { readCheckpoint, type CheckpointMeta } from './format.ts';
import { PnetError } from '../core/errors.ts';
import { PointNet } from '../model/pointnet.ts';
import { modelLayout, type WeightMap } from '../model/spec.ts';

export const OPTIMIZER_PREFIX = 'optimizer/';

export async function loadPointNetFromCheckpoint(path: string): Promise<{ model: PointNet; meta: CheckpointMeta }> {
  const { meta, tensors } = await readCheckpoint(path);
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
