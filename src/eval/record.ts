/**
 * Writes an evaluation's headline figures into the checkpoint it scored, so `pnet export` carries them into the
 * ONNX file's `pnet.metrics`: `<split>_all_points_accuracy`, `…_miou`, `…_class_miou` and `…_iou_<part>` (or
 * `<split>_<N>_points_…` for a sampled evaluation). The checkpoint is rewritten atomically; its tensors stay as they are.
 */
import { readCheckpoint, writeCheckpoint } from '../checkpoint/files.ts';
import { PnetError } from '../core/errors.ts';
import type { EvalReport } from './index.ts';

export function recordedMetrics(report: EvalReport): Record<string, number> {
  const prefix = `${report.split}_${report.points === 'all' ? 'all_points' : `${report.points}_points`}`;
  const out: Record<string, number> = {
    [`${prefix}_accuracy`]: report.accuracy,
    [`${prefix}_miou`]: report.miou,
    [`${prefix}_class_miou`]: report.classMiou,
    [`${prefix}_shapes`]: report.shapes,
  };
  report.classNames.forEach((name, k) => {
    const iou = report.partIou[k];
    if (iou !== undefined && Number.isFinite(iou)) out[`${prefix}_iou_${name.replace(/[^A-Za-z0-9]+/g, '_')}`] = iou;
  });
  return out;
}

export async function recordEvalInCheckpoint(report: EvalReport): Promise<Record<string, number>> {
  if (report.shapes === 0)
    throw new PnetError('BAD_INPUT', 'nothing was scored, so nothing is recorded', { file: report.checkpoint });
  const ckpt = await readCheckpoint(report.checkpoint);
  const added = recordedMetrics(report);
  await writeCheckpoint(report.checkpoint, {
    ...ckpt,
    meta: { ...ckpt.meta, metrics: { ...ckpt.meta.metrics, ...added } },
  });
  return added;
}
