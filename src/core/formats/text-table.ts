import { PnetError } from '../errors.ts';

/** `Number()` also reads `0x10`, `0b1`, `0o7`: not numbers a point file means, so they are refused. */
const NON_DECIMAL = /^[+-]?0[xXbBoO]/;

/**
 * What is wrong with a finite number token that is to be stored as float32, or undefined: a non-decimal notation,
 * or a value beyond the float32 range (finite as float64, ±Infinity once stored).
 */
export function float32TokenProblem(token: string, value: number): string | undefined {
  if (NON_DECIMAL.test(token)) return `not a decimal number: "${token.slice(0, 40)}"`;
  if (!Number.isFinite(Math.fround(value))) return `value ${token.slice(0, 40)} is beyond the float32 range (±3.4e38)`;
  return undefined;
}

/**
 * Parses whitespace-separated numeric rows (one point per line) into a flat Float64 buffer, checking every line:
 * the column count, that every token is a finite number. Errors name the file and the 1-based line.
 */
export function parseNumericRows(
  text: string,
  file: string,
  columns: { min: number; max: number },
): { rows: number; columns: number; values: Float64Array } {
  const lines = text.split('\n');
  // Drop the empty tail left by a final newline, and nothing else: an empty line in the middle is an error.
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === '') end--;
  if (end === 0) throw new PnetError('BAD_INPUT', 'empty file: no points', { file });
  let width = -1;
  let values = new Float64Array(end * columns.max);
  for (let i = 0; i < end; i++) {
    const tokens = lines[i]!.trim().split(/\s+/);
    if (width < 0) {
      if (tokens.length < columns.min || tokens.length > columns.max) {
        const expect = columns.min === columns.max ? `${columns.min}` : `${columns.min}–${columns.max}`;
        throw new PnetError('BAD_INPUT', `expected ${expect} columns, found ${tokens.length}`, { file, line: i + 1 });
      }
      width = tokens.length;
    } else if (tokens.length !== width) {
      throw new PnetError('BAD_INPUT', `expected ${width} columns like line 1, found ${tokens.length}`, {
        file,
        line: i + 1,
      });
    }
    for (let c = 0; c < width; c++) {
      const token = tokens[c]!;
      const v = Number(token);
      if (token === '' || Number.isNaN(v)) {
        throw new PnetError('BAD_INPUT', `not a number: "${token.slice(0, 40)}"`, { file, line: i + 1 });
      }
      if (!Number.isFinite(v)) {
        throw new PnetError('BAD_INPUT', `non-finite value: ${token}`, { file, line: i + 1 });
      }
      const problem = float32TokenProblem(token, v);
      if (problem) throw new PnetError('BAD_INPUT', problem, { file, line: i + 1 });
      values[i * width + c] = v;
    }
  }
  if (width !== columns.max) values = values.slice(0, end * width);
  return { rows: end, columns: width, values };
}

/** A label value read from a text file: an integer that fits Int32Array; errors name the file and line. */
export function integerLabel(v: number, file: string, line: number): number {
  if (!Number.isInteger(v)) throw new PnetError('BAD_INPUT', `label is not an integer: ${v}`, { file, line });
  // Int32Array would wrap a larger value silently into some other, possibly valid, label.
  if (v < -(2 ** 31) || v >= 2 ** 31) throw new PnetError('BAD_INPUT', `label ${v} is out of range`, { file, line });
  return v;
}
