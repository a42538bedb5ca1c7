/**
 * A model whose outputs disagree with its own metadata (say 4 classes of probabilities for 5 named classes) fails
 * once, when it loads, by running one small probe cloud, instead of once for every cloud it is given.
 */
import { PnetError } from '../../src/core/errors.ts';
import type { ModelInfo } from '../segmenter.ts';

/** Four points spanning all three axes, so the graph's normalisation has a radius to divide by. */
export const PROBE_CLOUD = Float32Array.of(0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1);

export function checkProbeOutputs(info: ModelInfo, probabilities: number, labels: number, file: string): void {
  const n = PROBE_CLOUD.length / 3;
  const k = info.classes.length;
  if (probabilities !== n * k || labels !== n) {
    throw new PnetError(
      'BAD_MODEL',
      `the model's outputs disagree with its metadata: for ${n} points it gives ${probabilities} probabilities and ` +
        `${labels} labels, but pnet.classes names ${k} classes (expected ${n * k} and ${n})`,
      { file, remedy: 're-export the model with `pnet export`' },
    );
  }
}
