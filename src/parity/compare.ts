/** Outputs of one runtime against the reference: the two figures the parity table reports. */
import { PnetError } from '../core/errors.ts';
import type { CloudOutput, ParityTolerance } from './types.ts';

export interface OutputDifference {
  maxAbsDiff: number;
  /** Fraction (0–1) of points with the reference label. */
  labelAgreement: number;
}

export function compareOutputs(reference: CloudOutput[], candidate: CloudOutput[]): OutputDifference {
  if (reference.length !== candidate.length) {
    throw new PnetError('BAD_MODEL', `expected outputs for ${reference.length} clouds, got ${candidate.length}`);
  }
  let maxAbsDiff = 0;
  let agree = 0;
  let points = 0;
  reference.forEach((ref, c) => {
    const out = candidate[c]!;
    if (out.probabilities.length !== ref.probabilities.length || out.labels.length !== ref.labels.length) {
      throw new PnetError(
        'BAD_MODEL',
        `cloud ${c + 1}: output shape differs from the reference (${out.probabilities.length} vs ${ref.probabilities.length} probabilities)`,
      );
    }
    for (let i = 0; i < ref.probabilities.length; i++) {
      const d = Math.abs(out.probabilities[i]! - ref.probabilities[i]!);
      // NaN must fail the comparison, and Math.max would keep it only by accident of order.
      maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(maxAbsDiff, d);
    }
    for (let i = 0; i < ref.labels.length; i++) if (out.labels[i] === ref.labels[i]) agree++;
    points += ref.labels.length;
  });
  return { maxAbsDiff, labelAgreement: points === 0 ? 1 : agree / points };
}

export function withinTolerance(diff: OutputDifference, tolerance: ParityTolerance): boolean {
  return diff.maxAbsDiff <= tolerance.maxAbsDiff && diff.labelAgreement >= tolerance.labelAgreement;
}

/** Index of the largest value in each row of a [rows, classes] matrix; the first one on ties, like ArgMax. */
export function argmaxRows(values: Float32Array, classes: number): Int32Array {
  const rows = values.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[r * classes + c]! > values[r * classes + best]!) best = c;
    out[r] = best;
  }
  return out;
}
