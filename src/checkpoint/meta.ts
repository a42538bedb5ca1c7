import { PNET_VERSION } from '../core/version.ts';
import type { CheckpointMeta } from './format.ts';

/** What a model needs to be described; the rest of CheckpointMeta defaults to "not trained yet". */
export type ModelDescription = Pick<CheckpointMeta, 'preset' | 'classes' | 'category' | 'numPoints'> &
  Partial<CheckpointMeta>;

/**
 * A checkpoint's metadata, the one place it is put together: a training run gives every field (run-checkpoints.ts);
 * weights that did not come from one (random-weight models for checks and benchmarks) get "not trained yet".
 */
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
