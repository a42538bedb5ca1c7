/** One cloud file's bytes → xyz triples, by extension; shared by `pnet infer` and the demo page (browser-safe). */
import { PnetError } from '../errors.ts';
import { parsePts } from './pts.ts';
import { parseNumericRows } from './text-table.ts';
import { parsePly } from './ply.ts';

export const CLOUD_FILE_EXTENSIONS = ['.pts', '.ply', '.txt'] as const;

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
  throw new PnetError('BAD_INPUT', `unsupported file type; expected one of ${CLOUD_FILE_EXTENSIONS.join(', ')}`, {
    file: name,
  });
}
