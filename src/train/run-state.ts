/**
 * A training run's model, optimizer and progress: fresh for a new run, restored from the checkpoint for a resumed
 * one (weights, Adam's moments and step, epoch and batch, best score, history).
 */
import { modelWeights } from '../checkpoint/format.ts';
import type { ClassTable } from '../data/types.ts';
import { PointNet } from '../model/pointnet.ts';
import { initialWeights, modelArchitecture, type ModelArchitecture, type PresetSpec } from '../model/spec.ts';
import { Adam } from './adam.ts';
import type { TrainConfig } from './options.ts';
import type { SplitFingerprint } from './resume-rules.ts';
import type { EpochMetrics } from './run-dir.ts';
import type { ResumedCheckpoint } from './run-config.ts';

/** What a checkpoint's `state` holds besides the weights and the optimizer. */
export interface RunState {
  epoch: number;
  /** Batches of `epoch` already trained (a run stopped mid-epoch resumes after them). */
  batchInEpoch: number;
  bestMiou: number;
  bestEpoch: number;
  history: EpochMetrics[];
  /** The clouds of each side when the run started: a resume must find the same ones. */
  split?: SplitFingerprint;
}

export interface TrainingRun {
  config: TrainConfig;
  preset: PresetSpec;
  architecture: ModelArchitecture;
  classes: ClassTable;
  model: PointNet;
  optimizer: Adam;
  state: RunState;
}

/** The split a resumed checkpoint recorded, for buildTrainData's check. */
export function recordedSplit(resumed: ResumedCheckpoint): { split?: SplitFingerprint } {
  return { split: (resumed.meta.state as Partial<RunState>).split };
}

export function restoreRun(
  config: TrainConfig,
  preset: PresetSpec,
  classes: ClassTable,
  split: SplitFingerprint,
  resumed: ResumedCheckpoint | undefined,
  log: (line: string) => void,
): TrainingRun {
  const architecture = modelArchitecture(preset, classes.names.length);
  const model = PointNet.create(
    architecture,
    resumed ? modelWeights(resumed.tensors.values()) : initialWeights(architecture, config.seed),
  );
  const optimizer = new Adam(model.trainableParams());
  const state: RunState = { epoch: 0, batchInEpoch: 0, bestMiou: -1, bestEpoch: -1, history: [], split };
  if (resumed) {
    const s = resumed.meta.state as unknown as RunState;
    Object.assign(state, {
      epoch: s.epoch,
      batchInEpoch: s.batchInEpoch,
      bestMiou: s.bestMiou,
      bestEpoch: s.bestEpoch,
      history: s.history ?? [],
    });
    optimizer.setState(resumed.tensors, resumed.meta.step);
    if (state.epoch >= config.epochs)
      log(`the run already has ${state.epoch} epochs; nothing to train (raise --epochs to continue)`);
    else
      log(
        `resuming at epoch ${state.epoch + 1}${state.batchInEpoch ? `, batch ${state.batchInEpoch + 1}` : ''} (step ${optimizer.step})`,
      );
  }
  return { config, preset, architecture, classes, model, optimizer, state };
}

export function disposeRun(run: TrainingRun): void {
  run.optimizer.dispose();
  run.model.dispose();
}
