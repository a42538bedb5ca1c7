/** One labelled cloud as the bytes of its output file: .seg labels, a coloured .ply, or a .json document. */
import { hexToRgb } from '../core/colors.ts';
import { formatSeg } from '../core/formats/seg.ts';
import { writePly } from '../core/formats/ply.ts';
import type { ModelInfo, SegmentResult } from '../../runtime/segmenter.ts';
import type { InferFormat } from './jobs.ts';

export interface EncodeOptions {
  format: InferFormat;
  plyEncoding: 'ascii' | 'binary';
  /** Model path, as given (json). */
  model: string;
  /** json: add per-point class probabilities. */
  probabilities: boolean;
}

export function encodeOutput(
  options: EncodeOptions,
  info: ModelInfo,
  file: string,
  points: Float32Array,
  result: SegmentResult,
  shapeIoU: number | undefined,
): Uint8Array | string {
  if (options.format === 'seg') return formatSeg(result.labels);
  if (options.format === 'ply') {
    return writePly(
      {
        points,
        labels: result.labels,
        palette: info.colors.map(hexToRgb),
        comments: [`pnet segmentation; classes: ${info.classes.join(', ')}`],
      },
      options.plyEncoding,
    );
  }
  const k = info.classes.length;
  const doc: Record<string, unknown> = {
    file,
    model: options.model,
    executionProvider: result.executionProvider,
    numPoints: result.numPoints,
    classes: info.classes,
    colors: info.colors,
    labels: Array.from(result.labels),
  };
  if (options.probabilities) {
    doc.probabilities = Array.from({ length: result.numPoints }, (_, i) =>
      Array.from(result.probabilities.subarray(i * k, (i + 1) * k), (p) => Number(p.toPrecision(6))),
    );
  }
  if (shapeIoU !== undefined) doc.miou = shapeIoU;
  return JSON.stringify(doc) + '\n';
}
