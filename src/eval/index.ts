/** Evaluation of a trained model on a dataset: accuracy, per-part IoU, ShapeNet mIoU and the confusion matrix. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, makeBatches, prepareClouds } from '../data/index.ts';
import { PnetError } from '../errors.ts';
import { loadPointNetFromCheckpoint } from '../model/load.ts';
import { SegmentationMetrics, type MetricsSummary } from '../train/metrics.ts';
import type { BackendName } from '../backend/index.ts';
import { resolveWorkers } from '../train/options.ts';
import { createStepExecutor } from '../train/parallel/executor.ts';

export interface EvalOptions {
  /** A run directory (its best.ckpt) or a checkpoint file. */
  model: string;
  data: string;
  /** Defaults to the categories the model was trained on. */
  categories?: string[];
  /** Defaults to the training point count. */
  points?: number;
  batchSize?: number;
  maxClouds?: number;
  seed?: number;
  progress?: boolean;
  /** The active TF.js backend; with it, batches are split across `workers` threads (default: as for training). */
  backend?: BackendName;
  workers?: number;
}

export interface EvalReport extends MetricsSummary {
  checkpoint: string;
  classNames: string[];
  clouds: number;
  points: number;
}

export function resolveCheckpoint(path: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) {
    for (const name of ['best.ckpt', 'last.ckpt']) if (existsSync(join(path, name))) return join(path, name);
    throw new PnetError('NOT_FOUND', 'the run directory has no best.ckpt or last.ckpt', { file: path });
  }
  if (!existsSync(path)) throw new PnetError('NOT_FOUND', 'no such checkpoint or run directory', { file: path });
  return path;
}

export async function evaluate(options: EvalOptions): Promise<EvalReport> {
  const checkpoint = resolveCheckpoint(options.model);
  const { model, meta } = await loadPointNetFromCheckpoint(checkpoint);
  try {
    const dataset = await loadDataset(options.data, { categories: options.categories ?? meta.category, progress: options.progress ?? true });
    if (dataset.classes.names.join('|') !== meta.classes.names.join('|')) {
      throw new PnetError('BAD_INPUT', `the dataset's classes [${dataset.classes.names}] differ from the model's [${meta.classes.names}]`, {
        file: options.data,
        remedy: 'evaluate on the categories the model was trained on',
      });
    }
    let clouds = dataset.clouds;
    if (options.maxClouds) clouds = clouds.slice(0, options.maxClouds);
    const points = options.points ?? meta.numPoints;
    const prepared = prepareClouds(clouds, { numPoints: points, seed: options.seed ?? 0, short: 'resample' });
    const metrics = new SegmentationMetrics(meta.classes.names.length, dataset.classes.partsOf);
    let offset = 0;
    const batchSize = options.batchSize ?? 16;
    const workers = options.backend ? resolveWorkers(options.workers, options.backend, batchSize) : 1;
    const executor = await createStepExecutor({ workers, backend: options.backend ?? 'cpu', model });
    try {
      for (const batch of makeBatches(prepared, { batchSize, seed: 0, shuffle: false, keepPartial: true })) {
        const { predictions } = await executor.predictBatch(batch);
        metrics.add(predictions, batch.labels, prepared.slice(offset, offset + batch.size).map((c) => c.category), batch.numPoints);
        offset += batch.size;
      }
    } finally {
      await executor.close();
    }
    return { ...metrics.summary(), checkpoint, classNames: meta.classes.names, clouds: prepared.length, points };
  } finally {
    model.dispose();
  }
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : '  n/a ';
}

export function formatEvalReport(r: EvalReport): string {
  const width = Math.max(...r.classNames.map((n) => n.length), 6);
  const lines = [
    `checkpoint: ${r.checkpoint}`,
    `clouds: ${r.clouds} × ${r.points} points`,
    `accuracy: ${fmt(r.accuracy)}`,
    `mIoU (ShapeNet, per shape): ${fmt(r.miou)}`,
    '',
    'per-part IoU:',
    ...r.classNames.map((n, k) => `  ${n.padEnd(width)}  ${fmt(r.partIou[k]!)}`),
    '',
    'confusion matrix (rows: truth, columns: predicted, numbered as the rows):',
    // Columns are numbered: part names are often wider than the counts under them.
    `  ${''.padEnd(width + 5)}  ${r.classNames.map((_, k) => `[${k}]`.padStart(9)).join(' ')}`,
    ...r.confusion.map((row, k) => `  ${`[${k}]`.padEnd(5)}${r.classNames[k]!.padEnd(width)}  ${row.map((v) => String(v).padStart(9)).join(' ')}`),
  ];
  return lines.join('\n');
}
