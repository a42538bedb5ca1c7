/** The TF.js model (src/model) on one backend: the reference of the parity matrix and one row per backend. */
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendName } from '../../backend/index.ts';
import { normalizeUnitSphere } from '../../core/normalize.ts';
import { PointNet } from '../../model/pointnet.ts';
import type { ModelArchitecture, WeightMap } from '../../model/spec.ts';
import { argmaxRows } from '../compare.ts';
import { timePerCloud } from './timing.ts';
import type { ParityCloud, RuntimeOutcome } from '../types.ts';

/** Runs on `backend`, which must be available (see listBackends); leaves that backend active. */
export async function runTfjs(
  backend: BackendName,
  architecture: ModelArchitecture,
  weights: WeightMap,
  clouds: ParityCloud[],
): Promise<RuntimeOutcome> {
  const selected = await selectBackend(backend);
  const model = PointNet.create(architecture, weights);
  try {
    const classes = architecture.numClasses;
    const { outputs, msPerCloud, msEach } = await timePerCloud(clouds, async (c) => {
      const n = c.xyz.length / 3;
      // TF.js takes normalised points: the graph-side preprocessing of the ONNX export is not part of the model.
      const input = tf.tensor3d(normalizeUnitSphere(c.xyz), [1, n, 3]);
      const probs = model.predict(input);
      const probabilities = (await probs.data()) as Float32Array;
      tf.dispose([input, probs]);
      return { probabilities, labels: argmaxRows(probabilities, classes) };
    });
    return { ran: true, outputs, msPerCloud, msEach, note: selected.reason };
  } finally {
    model.dispose();
  }
}
