/**
 * A run's checkpoints: the metadata a checkpoint carries (built here only) and the writes after an epoch (best.ckpt
 * when val improved, then last.ckpt) or on a stop (last.ckpt).
 */
import { writeCheckpoint, type CheckpointMeta } from '../checkpoint/format.ts';
import { describeModel } from '../checkpoint/meta.ts';
import type { EpochMetrics } from './run-dir.ts';
import { runPath } from './run-dir.ts';
import type { TrainingRun } from './run-state.ts';

/** The latest epoch's figures for the checkpoint (and so the exported model's pnet.metrics). */
export function latestMetrics(history: EpochMetrics[]): Record<string, number> {
  const h = history.at(-1);
  if (!h) return {};
  const figures = {
    val_miou: h.val_miou,
    val_accuracy: h.val_accuracy,
    train_loss: h.train_loss,
    val_loss: h.val_loss,
  };
  // A run with no val has no val figures: leave them out rather than carry NaN into the exported metadata.
  return Object.fromEntries(Object.entries(figures).filter(([, v]) => Number.isFinite(v)));
}

export function runCheckpointMeta(run: TrainingRun): CheckpointMeta {
  const { config, preset, classes, state, optimizer } = run;
  return describeModel({
    preset,
    classes: { names: classes.names, colors: classes.colors },
    category: config.categories,
    numPoints: config.points,
    epoch: state.epoch,
    step: optimizer.step,
    config: config as unknown as Record<string, unknown>,
    metrics: latestMetrics(state.history),
    state: { ...state, seed: config.seed } as unknown as Record<string, unknown>,
  });
}

/** Writes best.ckpt (when `best`) and last.ckpt, each atomically, with the same weights, optimizer and state. */
export async function saveRunCheckpoints(runDir: string, run: TrainingRun, best: boolean): Promise<void> {
  const meta = runCheckpointMeta(run);
  const tensors = [...run.model.getWeights().values(), ...run.optimizer.getState()];
  if (best) await writeCheckpoint(runPath(runDir, 'best'), { meta, tensors });
  await writeCheckpoint(runPath(runDir, 'last'), { meta, tensors });
}
