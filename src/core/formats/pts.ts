import { integerLabel, parseNumericRows } from './text-table.ts';

/** Parses a `.pts` cloud (`x y z` per line) into xyz triples; errors name the file and line. */
export function parsePts(text: string, file: string): Float32Array {
  return Float32Array.from(parseNumericRows(text, file, { min: 3, max: 3 }).values);
}

/**
 * Parses a benchmark-normal `.txt` cloud (`x y z nx ny nz part` per line) into xyz and the integer part id.
 */
export function parsePointsWithParts(text: string, file: string): { points: Float32Array; parts: Int32Array } {
  const { rows, values } = parseNumericRows(text, file, { min: 7, max: 7 });
  const points = new Float32Array(rows * 3);
  const parts = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    points[i * 3] = values[i * 7]!;
    points[i * 3 + 1] = values[i * 7 + 1]!;
    points[i * 3 + 2] = values[i * 7 + 2]!;
    parts[i] = integerLabel(values[i * 7 + 6]!, file, i + 1);
  }
  return { points, parts };
}

/**
 * Writes xyz triples as `.pts` text, one `x y z` line per point. `digits` fixes the decimals (compact files);
 * without it every float is written exactly as JavaScript prints it, so parsing gives the same values back.
 */
export function formatPts(points: Float32Array, digits?: number): string {
  const num = digits === undefined ? (v: number) => String(v) : (v: number) => v.toFixed(digits);
  const rows: string[] = new Array(points.length / 3);
  for (let i = 0; i < points.length; i += 3)
    rows[i / 3] = `${num(points[i]!)} ${num(points[i + 1]!)} ${num(points[i + 2]!)}`;
  return rows.join('\n') + '\n';
}
