/** A run's data from a dataset folder: loadDataset (with its cache and progress bar), then train-data.ts. */
import { loadDataset } from '../data/load.ts';
import type { TrainConfig } from './options.ts';
import type { SplitFingerprint } from './resume-rules.ts';
import { trainDataFrom, type TrainData } from './train-data.ts';

export async function buildTrainData(
  config: TrainConfig,
  progress: boolean,
  resumedFrom?: { split?: SplitFingerprint },
): Promise<TrainData> {
  const dataset = await loadDataset(config.data, { categories: config.categories, progress });
  return trainDataFrom(dataset, config, resumedFrom);
}
