/** `pnet eval --all-points`' scoring of one cloud: every original point, the cloud normalised as a whole. */
import * as tf from '@tensorflow/tfjs';
import { normalizeUnitSphere } from '../core/normalize.ts';
import type { Cloud } from '../data/types.ts';
import type { PointNet } from '../model/pointnet.ts';

/** Class probabilities [N, classes] for every point of one cloud. */
export function scoreWholeCloud(model: PointNet, cloud: Cloud): Float32Array {
  const n = cloud.points.length / 3;
  return tf.tidy(
    () => new Float32Array(model.predict(tf.tensor3d(normalizeUnitSphere(cloud.points), [1, n, 3])).dataSync()),
  );
}
