/** Runs an exported model in onnxruntime-node and the TF.js PointNet on the same clouds, and compares them. */
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { PointNet } from '../../../src/model/pointnet.ts';
import { normalizeUnitSphere } from '../../../src/core/normalize.ts';
import type { ModelArchitecture, WeightMap } from '../../../src/model/spec.ts';
import { compareOutputs, type OutputDifference } from '../../../src/parity/compare.ts';

export interface Prediction {
  probabilities: Float32Array;
  labels: Int32Array;
  dims: readonly number[];
}

function stack(clouds: Float32Array[]): Float32Array {
  const out = new Float32Array(clouds.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of clouds) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

function argmax(probabilities: Float32Array, classes: number): Int32Array {
  const labels = new Int32Array(probabilities.length / classes);
  for (let p = 0; p < labels.length; p++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if (probabilities[p * classes + c]! > probabilities[p * classes + best]!) best = c;
    labels[p] = best;
  }
  return labels;
}

/** ORT on raw clouds (or already-normalised ones for a --no-normalize export); all clouds the same size. */
export async function runOnnx(session: ort.InferenceSession, clouds: Float32Array[]): Promise<Prediction> {
  const n = clouds[0]!.length / 3;
  const out = await session.run({ points: new ort.Tensor('float32', stack(clouds), [clouds.length, n, 3]) });
  const probs = out.probabilities!;
  const labels = out.labels!;
  if (labels.type !== 'int64') throw new Error(`labels are ${labels.type}, expected int64`);
  return {
    probabilities: probs.data as Float32Array,
    labels: Int32Array.from(labels.data as BigInt64Array, Number),
    dims: probs.dims,
  };
}

/** The TF.js model on the same clouds, normalised by the data module as training does. */
export function runTfjs(architecture: ModelArchitecture, weights: WeightMap, clouds: Float32Array[]): Prediction {
  const model = PointNet.create(architecture, weights);
  try {
    const n = clouds[0]!.length / 3;
    const input = tf.tensor3d(stack(clouds.map(normalizeUnitSphere)), [clouds.length, n, 3]);
    const probs = model.predict(input);
    const probabilities = probs.dataSync() as Float32Array;
    const dims = probs.shape;
    tf.dispose([input, probs]);
    return { probabilities, labels: argmax(probabilities, architecture.numClasses), dims };
  } finally {
    model.dispose();
  }
}

export type Agreement = OutputDifference;

/** The parity matrix's own comparison (src/parity/compare.ts), after checking the two shapes agree. */
export function compare(a: Prediction, b: Prediction): Agreement {
  if (a.dims.join() !== b.dims.join()) throw new Error(`shapes differ: [${a.dims}] vs [${b.dims}]`);
  return compareOutputs([a], [b]);
}
