/**
 * The preprocessing every pnet model expects: centre the cloud on its centroid, then scale so the farthest point
 * lies on the unit sphere. The ONNX exporter builds the same two steps into the graph.
 */
export function normalizeUnitSphere(xyz: Float32Array): Float32Array {
  const n = xyz.length / 3;
  const out = new Float32Array(xyz.length);
  if (n === 0) return out;
  let cx = 0;
  let cy = 0;
  let cz = 0;
  for (let i = 0; i < n; i++) {
    cx += xyz[i * 3]!;
    cy += xyz[i * 3 + 1]!;
    cz += xyz[i * 3 + 2]!;
  }
  cx /= n;
  cy /= n;
  cz /= n;
  let maxNorm = 0;
  for (let i = 0; i < n; i++) {
    const x = xyz[i * 3]! - cx;
    const y = xyz[i * 3 + 1]! - cy;
    const z = xyz[i * 3 + 2]! - cz;
    out[i * 3] = x;
    out[i * 3 + 1] = y;
    out[i * 3 + 2] = z;
    maxNorm = Math.max(maxNorm, Math.hypot(x, y, z));
  }
  // A cloud of identical points has no extent to scale; leave it centred at the origin.
  if (maxNorm > 0) for (let i = 0; i < out.length; i++) out[i]! /= maxNorm;
  return out;
}
