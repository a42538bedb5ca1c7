/**
 * Segmentation scores as the ShapeNet part benchmark defines them: for each shape, the IoU of every part of the
 * category (a part absent from both prediction and truth counts 1), averaged over parts, then over shapes.
 */

/** IoU per part for one shape, in the order of `parts`. */
export function partIoUs(predicted: ArrayLike<number>, truth: ArrayLike<number>, parts: readonly number[]): number[] {
  if (predicted.length !== truth.length) {
    throw new RangeError(`prediction has ${predicted.length} labels, truth has ${truth.length}`);
  }
  const slot = new Map(parts.map((p, i) => [p, i]));
  const intersection = new Float64Array(parts.length);
  const union = new Float64Array(parts.length);
  for (let i = 0; i < truth.length; i++) {
    const p = slot.get(predicted[i]!);
    const t = slot.get(truth[i]!);
    if (p !== undefined && p === t) {
      intersection[p]!++;
      union[p]!++;
    } else {
      if (p !== undefined) union[p]!++;
      if (t !== undefined) union[t]!++;
    }
  }
  return parts.map((_, i) => (union[i] === 0 ? 1 : intersection[i]! / union[i]!));
}

/** Mean IoU over the parts of one shape. */
export function shapeIoU(predicted: ArrayLike<number>, truth: ArrayLike<number>, parts: readonly number[]): number {
  const ious = partIoUs(predicted, truth, parts);
  return ious.reduce((a, b) => a + b, 0) / ious.length;
}

/**
 * The parts a model's shapes are scored on: every class except a `none` class (points that belong to no part are
 * not a part of the category in the benchmark's definition).
 */
export function scoredParts(classes: readonly string[]): number[] {
  return classes.map((_, i) => i).filter((i) => classes[i] !== 'none');
}

/** Accumulates accuracy over all points and mIoU over shapes. */
export class SegmentationScore {
  private correct = 0;
  private total = 0;
  private iouSum = 0;
  private count = 0;

  constructor(readonly parts: readonly number[]) {
    if (parts.length === 0) throw new RangeError('SegmentationScore needs at least one part');
  }

  /** Adds one shape; returns its mIoU. */
  add(predicted: ArrayLike<number>, truth: ArrayLike<number>): number {
    const iou = shapeIoU(predicted, truth, this.parts);
    for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) this.correct++;
    this.total += truth.length;
    this.iouSum += iou;
    this.count++;
    return iou;
  }

  get shapes(): number {
    return this.count;
  }

  /** Fraction of points labelled correctly, over every point of every shape. */
  get accuracy(): number {
    return this.total === 0 ? NaN : this.correct / this.total;
  }

  /** Mean over shapes of the per-shape mean part IoU. */
  get miou(): number {
    return this.count === 0 ? NaN : this.iouSum / this.count;
  }
}
