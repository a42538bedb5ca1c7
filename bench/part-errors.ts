/**
 * Where a run's val instance mIoU is lost, on every original point of each val cloud (as `pnet eval --split val
 * --all-points` scores it): the deficit 1 − instance mIoU split into parts predicted on shapes that lack them (each
 * costs its shape a whole part: IoU 0 where it would be 1), parts a shape has but the model never predicts, and the
 * points misplaced between parts both present (boundaries); and how much of it the worst tenth of the shapes carry.
 *
 *   node bin/run-ts.js bench/part-errors.ts runs/lite40-train --data data/shapenetcore_partanno_segmentation_benchmark_v0
 */
import { selectBackend } from '../src/backend/index.ts';
import { loadPointNetFromCheckpoint } from '../src/checkpoint/load-model.ts';
import { resolveCheckpoint } from '../src/checkpoint/resolve.ts';
import { argmaxOverParts, partIoUs, SegmentationMetrics } from '../src/core/metrics.ts';
import { loadDataset } from '../src/data/index.ts';
import { selectSplit } from '../src/eval/index.ts';
import { scoreWholeCloud } from '../src/eval/score-whole-cloud.ts';
import type { TrainConfig } from '../src/train/options.ts';

interface ShapeErrors {
  /** Per part of the shape's category (class index): its IoU, and whether truth and prediction hold it. */
  parts: Array<{ part: number; iou: number; inTruth: boolean; predicted: boolean }>;
}

function parseArgs(argv: string[]): { run: string; data: string } {
  const dataAt = argv.indexOf('--data');
  const data = dataAt >= 0 ? argv[dataAt + 1] : undefined;
  const run = argv.find((a, i) => !a.startsWith('--') && i !== dataAt + 1);
  if (!run || !data) {
    console.error('usage: node bin/run-ts.js bench/part-errors.ts RUN_DIR_OR_CKPT --data DATASET_DIR');
    process.exit(2);
  }
  return { run, data };
}

async function scoreVal(run: string, data: string): Promise<{ names: string[]; shapes: ShapeErrors[] }> {
  await selectBackend('wasm');
  const { model, meta } = await loadPointNetFromCheckpoint(await resolveCheckpoint(run));
  try {
    const dataset = await loadDataset(data, { categories: meta.category, progress: false });
    const clouds = selectSplit(dataset, dataset.clouds, 'val', meta.config as Partial<TrainConfig>);
    const names = meta.classes.names;
    // Each shape is scored over its own category's parts, by the rule `pnet eval` scores with.
    const metrics = new SegmentationMetrics(names.length, dataset.classes.partsOf);
    const shapes = clouds
      .filter((c) => c.labels && c.points.length > 0)
      .map((cloud): ShapeErrors => {
        const parts = metrics.partsFor(cloud.category);
        const predicted = argmaxOverParts(scoreWholeCloud(model, cloud), names.length, parts);
        const truth = cloud.labels!;
        const ious = partIoUs(predicted, truth, parts);
        return {
          parts: parts.map((p, k) => ({
            part: p,
            iou: ious[k]!,
            inTruth: truth.some((t) => t === p),
            predicted: predicted.some((l) => l === p),
          })),
        };
      });
    return { names, shapes };
  } finally {
    model.dispose();
  }
}

/** Each shape's share of 1 − instance mIoU, split by kind of error. */
function report(names: string[], shapes: ShapeErrors[]): string {
  const perShape = 1 / shapes.length;
  const cost = { phantom: 0, missed: 0, boundary: new Array<number>(names.length).fill(0) };
  const counts = { phantom: 0, missed: 0 };
  const shapeDeficits: number[] = [];
  const scored = new Set(shapes.flatMap((shape) => shape.parts.map((p) => p.part)));
  for (const shape of shapes) {
    const partWeight = perShape / shape.parts.length;
    let deficit = 0;
    for (const part of shape.parts) {
      const lost = (1 - part.iou) * partWeight;
      deficit += lost;
      if (!part.inTruth && part.predicted) {
        cost.phantom += lost;
        counts.phantom++;
      } else if (part.inTruth && !part.predicted) {
        cost.missed += lost;
        counts.missed++;
      } else cost.boundary[part.part]! += lost;
    }
    shapeDeficits.push(deficit);
  }
  const total = shapeDeficits.reduce((a, b) => a + b, 0);
  shapeDeficits.sort((a, b) => b - a);
  const worstTenth = shapeDeficits.slice(0, Math.ceil(shapes.length / 10)).reduce((a, b) => a + b, 0);
  const row = (what: string, value: number) =>
    `| ${what} | ${value.toFixed(4)} | ${((100 * value) / total).toFixed(1)}% |`;
  return [
    `${shapes.length} val shapes, instance mIoU ${(1 - total).toFixed(4)} on every point`,
    '',
    '| where 1 − instance mIoU goes | mIoU lost | share |',
    '| --- | ---: | ---: |',
    row(`parts predicted on shapes without them (${counts.phantom})`, cost.phantom),
    row(`parts a shape has, never predicted (${counts.missed})`, cost.missed),
    ...[...scored]
      .sort((a, b) => a - b)
      .map((k) => row(`${names[k]}: points misplaced, the part present in both`, cost.boundary[k]!)),
    row('all', total),
    '',
    `The worst ${Math.ceil(shapes.length / 10)} shapes (a tenth) carry ${((100 * worstTenth) / total).toFixed(1)}% of it.`,
  ].join('\n');
}

const { run, data } = parseArgs(process.argv.slice(2));
const { names, shapes } = await scoreVal(run, data);
console.log(report(names, shapes));
