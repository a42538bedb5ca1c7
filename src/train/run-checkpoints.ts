/**
 * A run's checkpoint: the metadata it carries (built here only) with the weights, Adam's moments and the run's
 * state. run-store.ts writes it into a run folder; a page keeps its bytes.
 */
import type { Checkpoint, CheckpointMeta } from '../checkpoint/format.ts';
import { describeModel } from '../checkpoint/meta.ts';
import type { EpochMetrics } from './run-dir.ts';
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

/** The run as it stands: what best.ckpt and last.ckpt hold, and what `resume` continues from. */
export function runCheckpoint(run: TrainingRun): Checkpoint {
  return {
    meta: runCheckpointMeta(run),
    tensors: [...run.model.getWeights().values(), ...run.optimizer.getState()],
  };
}
