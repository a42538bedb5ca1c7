/** The files of a run directory: config.json, metrics.jsonl + metrics.csv, curves.svg, best.ckpt, last.ckpt. */
import { join } from 'node:path';
import { writeFileAtomic } from '../core/node/atomic-write.ts';
import { curvesSvg } from './curves.ts';

export const RUN_FILES = {
  config: 'config.json',
  metricsJsonl: 'metrics.jsonl',
  metricsCsv: 'metrics.csv',
  curves: 'curves.svg',
  best: 'best.ckpt',
  last: 'last.ckpt',
} as const;

export interface EpochMetrics {
  epoch: number;
  lr: number;
  train_loss: number;
  train_accuracy: number;
  train_miou: number;
  val_loss: number;
  val_accuracy: number;
  /** Instance mIoU on val: the mean over shapes of each shape's mean part IoU (benchmark protocol). */
  val_miou: number;
  /** Class mIoU on val: the mean over categories of their instance mIoU (equal to val_miou for one category). */
  val_class_miou: number;
  /** ShapeNet mIoU on val (the score best.ckpt is chosen by); same as val_miou. */
  miou: number;
  /** Per-part IoU on val, by part name. */
  val_part_iou: Record<string, number>;
  /** Training time of the epoch (its steps). */
  seconds: number;
  /** Validation time after the epoch (absent in runs made before it was recorded). */
  val_seconds?: number;
  clouds_per_second: number;
  /** Set when the epoch was resumed mid-way: the 1-based batch the train_* figures start at (earlier ones ran before the stop). */
  train_metrics_from_batch?: number;
}

const CSV_COLUMNS = [
  'epoch',
  'lr',
  'train_loss',
  'train_accuracy',
  'train_miou',
  'val_loss',
  'val_accuracy',
  'val_miou',
  'val_class_miou',
  'miou',
  'seconds',
  'clouds_per_second',
] as const;

export function runPath(dir: string, file: keyof typeof RUN_FILES): string {
  return join(dir, RUN_FILES[file]);
}

/** Rewrites the history files whole (atomically), so a kill never leaves a half-written line. */
export async function writeHistory(dir: string, history: EpochMetrics[]): Promise<void> {
  const json = (v: number) => (Number.isFinite(v) ? v : null);
  await writeFileAtomic(
    runPath(dir, 'metricsJsonl'),
    history.map((h) => JSON.stringify(h, (_, v) => (typeof v === 'number' ? json(v) : v))).join('\n') +
      (history.length ? '\n' : ''),
  );
  const csv = [
    CSV_COLUMNS.join(','),
    ...history.map((h) => CSV_COLUMNS.map((c) => (Number.isFinite(h[c]) ? String(h[c]) : '')).join(',')),
  ];
  await writeFileAtomic(runPath(dir, 'metricsCsv'), csv.join('\n') + '\n');
  await writeFileAtomic(runPath(dir, 'curves'), await curvesSvg(history));
}
