/**
 * Segmentation scores as the ShapeNet part benchmark defines them, for training, `pnet eval`, `pnet infer --eval`
 * and the browser alike:
 * - a shape's prediction is the argmax over its category's parts only (no `none` class, no other category's parts);
 * - per shape, the IoU of every part of the category, 1 where a part is absent from both prediction and truth;
 * - instance mIoU: the mean over shapes of each shape's mean part IoU (the PointNet paper's per-category figure,
 *   and its overall "mean" when taken over the shapes of all categories);
 * - class mIoU: the mean over categories of their instance mIoU;
 * - per-part IoU: for each part, the mean of its per-shape IoU over the shapes of its category;
 * - accuracy: the fraction of points labelled right, over every point.
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

/**
 * Category → class indices of its parts, from a model's categories and class names: one category owns every class
 * but `none`; several own the classes named `Category/part`.
 */
export function partsByCategory(categories: readonly string[], classes: readonly string[]): Record<string, number[]> {
  if (categories.length <= 1) return { [categories[0] ?? '']: scoredParts(classes) };
  return Object.fromEntries(
    categories.map((c) => [c, classes.map((_, i) => i).filter((i) => classes[i]!.startsWith(`${c}/`))]),
  );
}

/**
 * Per point, the class with the highest score among `parts` (scores: [points, numClasses] row-major, probabilities
 * or logits). Ties go to the part listed first.
 */
export function argmaxOverParts(scores: ArrayLike<number>, numClasses: number, parts: readonly number[]): Int32Array {
  if (parts.length === 0) throw new RangeError('argmaxOverParts needs at least one part');
  if (scores.length % numClasses !== 0)
    throw new RangeError(`${scores.length} scores are not a whole number of ${numClasses}-class rows`);
  const n = scores.length / numClasses;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * numClasses;
    let best = parts[0]!;
    let bestScore = scores[row + best]!;
    for (let k = 1; k < parts.length; k++) {
      const s = scores[row + parts[k]!]!;
      if (s > bestScore) {
        bestScore = s;
        best = parts[k]!;
      }
    }
    out[i] = best;
  }
  return out;
}

export interface MetricsSummary {
  /** Fraction of points labelled right, over every point of every shape. */
  accuracy: number;
  /** Instance mIoU: mean over shapes of the shape's mean part IoU. */
  miou: number;
  /** Class mIoU: mean over categories of their instance mIoU (equal to `miou` for one category). */
  classMiou: number;
  /** Per category: shapes scored and their instance mIoU. */
  categories: Record<string, { shapes: number; miou: number }>;
  /** Per class index: mean over its category's shapes of the part's IoU; NaN for `none` and unscored categories. */
  partIou: number[];
  /** confusion[truth][predicted] point counts, over every class. */
  confusion: number[][];
  shapes: number;
  /** Points scored. */
  scoredPoints: number;
}

/** Accumulates the benchmark's scores shape by shape; see the module comment. */
export class SegmentationMetrics {
  private readonly confusion: number[][];
  private readonly partIouSum: Float64Array;
  private readonly perCategory = new Map<string, { shapes: number; iouSum: number }>();
  private correct = 0;
  private total = 0;
  private iouSum = 0;
  private shapeCount = 0;

  constructor(
    private readonly numClasses: number,
    private readonly partsOf: Record<string, readonly number[]>,
  ) {
    this.confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
    this.partIouSum = new Float64Array(numClasses);
  }

  /** The parts a shape of `category` is scored on; a category the table lacks is scored on every class. */
  partsFor(category: string): readonly number[] {
    const parts = this.partsOf[category];
    if (parts && parts.length > 0) return parts;
    return Array.from({ length: this.numClasses }, (_, k) => k);
  }

  /** Adds one shape from per-point class scores ([points, classes]); returns the shape's mean part IoU. */
  addShapeScores(scores: ArrayLike<number>, truth: ArrayLike<number>, category: string): number {
    return this.addShape(argmaxOverParts(scores, this.numClasses, this.partsFor(category)), truth, category);
  }

  /** Adds one shape whose labels are already predicted; returns the shape's mean part IoU. */
  addShape(predicted: ArrayLike<number>, truth: ArrayLike<number>, category: string): number {
    const parts = this.partsFor(category);
    const ious = partIoUs(predicted, truth, parts);
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i]!;
      const p = predicted[i]!;
      if (t < 0 || t >= this.numClasses || p < 0 || p >= this.numClasses) {
        throw new RangeError(
          `label ${t < 0 || t >= this.numClasses ? t : p} at point ${i} is not a class (0–${this.numClasses - 1})`,
        );
      }
      this.confusion[t]![p]!++;
      if (p === t) this.correct++;
    }
    this.total += truth.length;
    for (const [i, k] of parts.entries()) this.partIouSum[k]! += ious[i]!;
    const iou = ious.reduce((a, b) => a + b, 0) / ious.length;
    this.iouSum += iou;
    this.shapeCount++;
    const c = this.perCategory.get(category) ?? { shapes: 0, iouSum: 0 };
    c.shapes++;
    c.iouSum += iou;
    this.perCategory.set(category, c);
    return iou;
  }

  /** Adds a batch of shapes: scores [clouds·numPoints, classes], labels [clouds·numPoints], one category per cloud. */
  addScores(scores: Float32Array, labels: Int32Array, categories: readonly string[], numPoints: number): void {
    const k = this.numClasses;
    for (let c = 0; c < categories.length; c++) {
      this.addShapeScores(
        scores.subarray(c * numPoints * k, (c + 1) * numPoints * k),
        labels.subarray(c * numPoints, (c + 1) * numPoints),
        categories[c]!,
      );
    }
  }

  get shapes(): number {
    return this.shapeCount;
  }

  summary(): MetricsSummary {
    const categories = Object.fromEntries(
      [...this.perCategory].map(([name, c]) => [name, { shapes: c.shapes, miou: c.iouSum / c.shapes }]),
    );
    const partIou = new Array<number>(this.numClasses).fill(Number.NaN);
    for (const [name, c] of this.perCategory)
      for (const k of this.partsFor(name)) partIou[k] = this.partIouSum[k]! / c.shapes;
    const categoryMious = Object.values(categories).map((c) => c.miou);
    return {
      accuracy: this.total ? this.correct / this.total : Number.NaN,
      miou: this.shapeCount ? this.iouSum / this.shapeCount : Number.NaN,
      classMiou: categoryMious.length ? categoryMious.reduce((a, b) => a + b, 0) / categoryMious.length : Number.NaN,
      categories,
      partIou,
      confusion: this.confusion.map((r) => [...r]),
      shapes: this.shapeCount,
      scoredPoints: this.total,
    };
  }
}
