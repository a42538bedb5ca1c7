/**
 * In-graph unit-sphere normalisation of raw xyz, for either activation layout: centre each cloud on its
 * centroid, then scale so its farthest point has norm 1.
 *
 * Overflow-safe: the cloud is first divided by its largest absolute coordinate, so the centroid's sum and the
 * squared norms stay within [0, 3·N] and [0, 12] whatever the input's magnitude (up to float32's maximum). Both
 * steps are scalings, so the result is the same cloud as without the first one, up to rounding.
 */
import type { OnnxGraphBuilder } from './graph-builder.ts';

/** Extent floor: a cloud of zeros divides by this instead of 0 and stays zeros (not NaN). */
const MIN_EXTENT = 1e-30;
/** Radius floor after the first scaling: a cloud of identical points maps to zeros instead of NaN. */
const MIN_RADIUS = 1e-12;

/** `points` holds xyz along `coordinateAxis` and the points along `pointAxis` (rank 3, batch first). */
export function normalizeUnitSphereNodes(
  b: OnnxGraphBuilder,
  points: string,
  coordinateAxis: number,
  pointAxis: number,
): string {
  const abs = b.node('Abs', [points], 'normalize/abs');
  const extent = b.node('ReduceMax', [abs], 'normalize/extent', { axes: [1, 2], keepdims: 1 });
  const extentFloor = b.floatInitializer('normalize/min_extent', [], new Float32Array([MIN_EXTENT]), 'float32');
  const safeExtent = b.node('Max', [extent, extentFloor], 'normalize/safe_extent');
  const scaled = b.node('Div', [points, safeExtent], 'normalize/scaled');
  const centroid = b.node('ReduceMean', [scaled], 'normalize/centroid', { axes: [pointAxis], keepdims: 1 });
  const centred = b.node('Sub', [scaled, centroid], 'normalize/centred');
  const squaredNorm = b.node('ReduceSumSquare', [centred], 'normalize/squared_norm', {
    axes: [coordinateAxis],
    keepdims: 1,
  });
  const maxSquared = b.node('ReduceMax', [squaredNorm], 'normalize/max_squared_norm', {
    axes: [pointAxis],
    keepdims: 1,
  });
  const radius = b.node('Sqrt', [maxSquared], 'normalize/radius');
  const radiusFloor = b.floatInitializer('normalize/min_radius', [], new Float32Array([MIN_RADIUS]), 'float32');
  const safeRadius = b.node('Max', [radius, radiusFloor], 'normalize/safe_radius');
  return b.node('Div', [centred, safeRadius], 'normalize/points');
}
