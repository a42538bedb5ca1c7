/** One cloud file's bytes → xyz triples, by extension; shared by `pnet infer` and the demo page (browser-safe). */
import { PnetError } from '../errors.ts';
import { parsePts } from './pts.ts';
import { parseNumericRows } from './text-table.ts';
import { parsePly } from './ply.ts';

/** Every cloud format pnet reads (`.txt`: the benchmark's `x y z [nx ny nz [part]]` lines). */
export const CLOUD_FILE_EXTENSIONS = ['.pts', '.ply', '.txt'] as const;
/**
 * What a folder walk picks up: `.txt` only when a file or pattern names it, since folders of clouds also hold
 * notes and READMEs as `.txt`.
 */
export const FOLDER_CLOUD_EXTENSIONS = [
  '.pts',
  '.ply',
] as const satisfies readonly (typeof CLOUD_FILE_EXTENSIONS)[number][];

export function hasExtension(name: string, extensions: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return extensions.some((e) => lower.endsWith(e));
}

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
  throw new PnetError('BAD_INPUT', `unsupported file type; expected ${CLOUD_FILE_EXTENSIONS.join(', ')}`, {
    file: name,
  });
}
