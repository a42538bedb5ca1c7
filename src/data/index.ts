/** Public surface of the data pipeline: files → parsed clouds → sampled, normalised clouds → batches. */
export type { Batch, ClassTable, Cloud, DataProblem, Dataset, DatasetFormat, PreparedCloud } from './types.ts';
export { loadDataset, type LoadOptions } from './load.ts';
export {
  prepareClouds,
  splitRun,
  splitTrainVal,
  TRAIN_SPLITS,
  makeBatches,
  randomPointIndices,
  type PrepareOptions,
  type RunSplitRecipe,
  type BatchOptions,
  type TrainSplit,
} from './prepare.ts';
export { normalizeUnitSphere } from '../core/normalize.ts';
export { parsePts, parsePointsWithParts } from '../core/formats/pts.ts';
export { parseSeg } from '../core/formats/seg.ts';
export { detectDatasetFormat, indexDataset } from './layout.ts';
