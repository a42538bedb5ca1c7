import { PNET_VERSION } from '../core/node/version.ts';
import type { CheckpointMeta } from './format.ts';

/** What a model needs to be described; the rest of CheckpointMeta defaults to "not trained yet". */
export type ModelDescription = Pick<CheckpointMeta, 'preset' | 'classes' | 'category' | 'numPoints'> &
  Partial<CheckpointMeta>;

/** Metadata for weights that did not come from a training run (random-weight models for checks and benchmarks). */
export function describeModel(fields: ModelDescription): CheckpointMeta {
  return {
    pnetVersion: PNET_VERSION,
    normalization: 'unit-sphere',
    epoch: 0,
    step: 0,
    config: {},
    metrics: {},
    state: {},
    ...fields,
  };
}
