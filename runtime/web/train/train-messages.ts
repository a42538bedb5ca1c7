/** Messages between the Train page and its train worker (train-worker.ts). */
import type {
  Dataset,
  EpochMetrics,
  TrainModelOptions,
  TrainModelResult,
  TrainStepProgress,
} from '../../../src/web-train.ts';

/** What trainModel takes that can cross to a worker (no callbacks, no signal). */
export type TrainRequest = Omit<TrainModelOptions, 'onStep' | 'onEpoch' | 'signal' | 'log' | 'spawnWorker'> & {
  dataset: Dataset;
  workers: number;
};

export type ToTrainWorker = { type: 'train'; request: TrainRequest } | { type: 'stop' };

export type FromTrainWorker =
  | { type: 'step'; step: TrainStepProgress }
  | { type: 'epoch'; record: EpochMetrics }
  | { type: 'log'; line: string }
  | { type: 'done'; result: TrainModelResult }
  | { type: 'failed'; message: string };
