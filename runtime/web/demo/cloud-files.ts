/** Keeps at most `max` points, evenly strided, so a huge scan stays interactive. */
export function capPoints(xyz: Float32Array, max: number): Float32Array {
  const n = xyz.length / 3;
  if (n <= max) return xyz;
  const out = new Float32Array(max * 3);
  for (let i = 0; i < max; i++)
    out.set(xyz.subarray(Math.floor((i * n) / max) * 3, Math.floor((i * n) / max) * 3 + 3), i * 3);
  return out;
}
