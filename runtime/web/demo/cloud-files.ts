/** Turns a file the user dropped (or a shipped sample) into xyz triples. */
import { PnetError } from '../../../src/errors.ts';
import { parsePts } from '../../../src/data/pts.ts';
import { parseNumericRows } from '../../../src/data/text-table.ts';
import { parsePly } from '../../../src/formats/ply.ts';

export const CLOUD_EXTENSIONS = ['.pts', '.ply', '.txt'] as const;

export function parseCloudFile(name: string, bytes: Uint8Array): Float32Array {
  const lower = name.toLowerCase();
  if (lower.endsWith('.ply')) return parsePly(bytes, name).points;
  const text = new TextDecoder().decode(bytes);
  if (lower.endsWith('.pts')) return parsePts(text, name);
  if (lower.endsWith('.txt')) {
    // The benchmark layout: `x y z [nx ny nz [part]]` per line; only xyz matter here.
    const { rows, columns, values } = parseNumericRows(text, name, { min: 3, max: 7 });
    const xyz = new Float32Array(rows * 3);
    for (let i = 0; i < rows; i++) xyz.set(values.subarray(i * columns, i * columns + 3), i * 3);
    return xyz;
  }
  throw new PnetError('BAD_INPUT', `unsupported file type; expected one of ${CLOUD_EXTENSIONS.join(', ')}`, { file: name });
}

/** Keeps at most `max` points, evenly strided, so a huge scan stays interactive. */
export function capPoints(xyz: Float32Array, max: number): Float32Array {
  const n = xyz.length / 3;
  if (n <= max) return xyz;
  const out = new Float32Array(max * 3);
  for (let i = 0; i < max; i++) out.set(xyz.subarray(Math.floor((i * n) / max) * 3, Math.floor((i * n) / max) * 3 + 3), i * 3);
  return out;
}
