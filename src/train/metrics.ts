/**
 * Segmentation metrics: point accuracy, per-part IoU over all points, the confusion matrix, and ShapeNet mIoU
 * (per shape: IoU of each part of its category, 1 for a part absent from both prediction and truth; averaged
 * over those parts, then over shapes).
 */
import { shapeIoU } from '../../runtime/common/metrics.ts';

export interface MetricsSummary {
  accuracy: number;
  /** Per class over all points; NaN for a class absent from both predictions and labels. */
  partIou: number[];
  miou: number;
  /** confusion[truth][predicted] point counts. */
  confusion: number[][];
  shapes: number;
}

export class SegmentationMetrics {
  private readonly confusion: number[][];
  private correct = 0;
  private total = 0;
  private shapeIouSum = 0;
  private shapes = 0;

  constructor(
    private readonly numClasses: number,
    private readonly partsOf: Record<string, number[]>,
  ) {
    this.confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  }

  /** predictions/labels: [clouds·numPoints], cloud-major; categories: one per cloud. */
  add(predictions: Int32Array, labels: Int32Array, categories: string[], numPoints: number): void {
    for (let c = 0; c < categories.length; c++) {
      const predicted = predictions.subarray(c * numPoints, (c + 1) * numPoints);
      const truth = labels.subarray(c * numPoints, (c + 1) * numPoints);
      for (let i = 0; i < numPoints; i++) {
        this.confusion[truth[i]!]![predicted[i]!]!++;
        if (predicted[i] === truth[i]) this.correct++;
      }
      this.total += numPoints;
      const parts = this.partsOf[categories[c]!] ?? Array.from({ length: this.numClasses }, (_, k) => k);
      this.shapeIouSum += parts.length ? shapeIoU(predicted, truth, parts) : 1;
      this.shapes++;
    }
  }

  summary(): MetricsSummary {
    const partIou = this.confusion.map((row, k) => {
      const inter = row[k]!;
      const union = row.reduce((a, b) => a + b, 0) + this.confusion.reduce((a, r) => a + r[k]!, 0) - inter;
      return union === 0 ? Number.NaN : inter / union;
    });
    return {
      accuracy: this.total ? this.correct / this.total : Number.NaN,
      partIou,
      miou: this.shapes ? this.shapeIouSum / this.shapes : Number.NaN,
      confusion: this.confusion.map((r) => [...r]),
      shapes: this.shapes,
    };
  }
}
