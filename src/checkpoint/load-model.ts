/** Builds a TF.js PointNet from a checkpoint file. */
import { checkpointModel, type CheckpointMeta } from './format.ts';
import { readCheckpoint } from './files.ts';
import { PnetError } from '../core/errors.ts';
import { PointNet } from '../model/pointnet.ts';

export async function loadPointNetFromCheckpoint(path: string): Promise<{ model: PointNet; meta: CheckpointMeta }> {
  const { architecture, weights, meta } = checkpointModel(await readCheckpoint(path), path);
  try {
    return { model: PointNet.create(architecture, weights), meta };
  } catch (e) {
    if (e instanceof PnetError) throw new PnetError(e.code, e.message, { file: path, remedy: e.remedy, cause: e });
    throw e;
  }
}
