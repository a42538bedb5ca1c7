/** `.seg` label files: one integer class index per line, in point order (the ShapeNet part-benchmark form). */
import { PnetError } from '../errors.ts';
import { integerLabel, parseNumericRows } from './text-table.ts';

export function formatSeg(labels: ArrayLike<number>): string {
  const lines: string[] = new Array(labels.length);
  for (let i = 0; i < labels.length; i++) lines[i] = String(labels[i]);
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** Parses a label file: one integer per line. The caller checks the value range, which depends on the layout. */
export function parseSeg(text: string, file: string): Int32Array {
  const { rows, values } = parseNumericRows(text, file, { min: 1, max: 1 });
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = integerLabel(values[i]!, file, i + 1);
  return out;
}

/** A label file must give every point of its cloud one label: `cloudFile` names the cloud in the message. */
export function checkLabelCount(labels: Int32Array, points: number, file: string, cloudFile = 'the cloud'): void {
  if (labels.length !== points) {
    throw new PnetError('BAD_INPUT', `has ${labels.length} labels but ${cloudFile} has ${points} points`, { file });
  }
}
