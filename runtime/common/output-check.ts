/**
 * A model whose outputs disagree with its own metadata (say 4 classes of probabilities for 5 named classes) or with
 * the contract's element types (float16 probabilities, whose raw bit patterns would pass for numbers) fails once,
 * when it loads, by running one small probe cloud, instead of once for every cloud it is given. Every ONNX Runtime
 * segmenter (Node and web) runs the same probe.
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

/** Element types the contract allows: float32 probabilities; int64 labels (int32 reads the same). */
const OUTPUT_TYPES = { probabilities: ['float32'], labels: ['int64', 'int32'] } as const;

/** Throws BAD_MODEL when an output's element type (ONNX Runtime's name for it) is not the contract's. */
export function checkOutputTypes(types: { probabilities: string; labels: string }, file: string): void {
  for (const name of ['probabilities', 'labels'] as const) {
    const allowed: readonly string[] = OUTPUT_TYPES[name];
    if (!allowed.includes(types[name])) {
      throw new PnetError('BAD_MODEL', `output "${name}" is ${types[name]}; the pnet contract needs ${allowed[0]}`, {
        file,
        remedy: 're-export the model with `pnet export` (--fp16 keeps float32 inputs and outputs)',
      });
    }
  }
}
