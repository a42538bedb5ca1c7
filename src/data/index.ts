/** Public surface of the data pipeline: files → parsed clouds → sampled, normalised clouds → batches. */
export type { Batch, ClassTable, Cloud, DataProblem, Dataset, DatasetLayout, PreparedCloud } from './types.ts';
export { loadDataset, type LoadOptions } from './load.ts';
export {
  prepareClouds,
  splitTrainVal,
  TRAIN_SPLITS,
  makeBatches,
  randomPointIndices,
  type PrepareOptions,
  type BatchOptions,
  type TrainSplit,
} from './prepare.ts';
export { normalizeUnitSphere } from '../core/normalize.ts';
export { parsePts, parseSeg, parsePointsWithParts } from '../core/formats/pts.ts';
export { detectLayout, indexDataset } from './layout.ts';
