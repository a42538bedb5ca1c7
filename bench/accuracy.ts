/**
 * The val curves and table of bench/ACCURACY.md, from run directories of `pnet train` on the real ShapeNet part
 * Airplane set: val accuracy and instance mIoU (sampled points, as training measures them) against wall-clock
 * minutes on this machine, one line per run, written to bench/accuracy-curves.svg; a markdown table on stdout.
 *
 *   node bin/run-ts.js bench/accuracy.ts runs/airplane-lite [more runs…] [--svg bench/accuracy-curves.svg]
 *
 * Wall-clock per epoch is its training time plus its validation time (`seconds` + `val_seconds` in metrics.jsonl).
 */
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as vl from 'vega-lite';
import { vegaLiteSvg } from '../src/train/curves.ts';
import { writeFileAtomic } from '../src/core/node/atomic-write.ts';
import type { EpochMetrics } from '../src/train/run-dir.ts';

interface RunCurve {
  name: string;
  preset: string;
  config: RunConfig;
  epochs: EpochMetrics[];
  minutes: number[];
}

interface RunConfig {
  preset: string;
  points: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  lrSchedule: string;
  split?: string;
}

function readRun(dir: string): RunCurve {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as RunConfig;
  const epochs = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as EpochMetrics);
  let total = 0;
  const minutes = epochs.map((e) => {
    if (e.val_seconds === undefined)
      throw new Error(`${join(dir, 'metrics.jsonl')}: epoch ${e.epoch} has no val_seconds; wall-clock unknown`);
    total += e.seconds + e.val_seconds;
    return total / 60;
  });
  return { name: basename(dir), preset: config.preset, config, epochs, minutes };
}

async function curvesSvg(runs: RunCurve[]): Promise<string> {
  // A run on train + val has no val figures: its train loss still shows beside the others.
  const rows = runs.flatMap((r) =>
    r.epochs
      .flatMap((e, i) => [
        { run: r.name, minutes: r.minutes[i], metric: 'val instance mIoU', value: e.val_miou },
        { run: r.name, minutes: r.minutes[i], metric: 'val accuracy', value: e.val_accuracy },
        { run: r.name, minutes: r.minutes[i], metric: 'train loss', value: e.train_loss },
      ])
      .filter((row) => Number.isFinite(row.value)),
  );
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values: rows },
    facet: {
      column: {
        field: 'metric',
        type: 'nominal',
        title: null,
        sort: ['val instance mIoU', 'val accuracy', 'train loss'],
      },
    },
    spec: {
      width: 300,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'minutes', type: 'quantitative', title: 'wall-clock minutes (2 cores)' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'run', type: 'nominal' },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
  return vegaLiteSvg(spec);
}

/** A val figure; a run on train + val has none (null in metrics.jsonl). */
function figure(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '—';
}

/** One row per run: its recipe, its wall-clock, its best and its last val figures. */
function summary(runs: RunCurve[]): string {
  const lines = [
    '| run | preset | points | epochs | schedule | split | wall-clock min | clouds/s (train, median) | best val mIoU (epoch) | last val accuracy | last val mIoU |',
    '| --- | --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of runs) {
    const c = r.config;
    const scored = r.epochs.filter((e) => Number.isFinite(e.val_miou));
    const best = scored.reduce<EpochMetrics | undefined>((a, e) => (!a || e.val_miou > a.val_miou ? e : a), undefined);
    const last = r.epochs.at(-1);
    const rates = r.epochs.map((e) => e.clouds_per_second).sort((a, b) => a - b);
    const median = rates[Math.floor(rates.length / 2)] ?? Number.NaN;
    lines.push(
      `| ${r.name} | ${c.preset} | ${c.points} | ${r.epochs.length}/${c.epochs} | ${c.lrSchedule} from ${c.learningRate}, batch ${c.batchSize} | ` +
        `${c.split ?? 'train'} | ${(r.minutes.at(-1) ?? 0).toFixed(1)} | ${median.toFixed(1)} | ` +
        `${best ? `${figure(best.val_miou)} (${best.epoch})` : '—'} | ${figure(last?.val_accuracy)} | ${figure(last?.val_miou)} |`,
    );
  }
  return lines.join('\n');
}

function table(runs: RunCurve[]): string {
  const lines = [
    '| run | preset | epoch | wall-clock min | lr | train loss | val loss | val accuracy | val instance mIoU | clouds/s (train) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of runs) {
    r.epochs.forEach((e, i) => {
      lines.push(
        `| ${r.name} | ${r.preset} | ${e.epoch} | ${r.minutes[i]!.toFixed(1)} | ${e.lr.toExponential(2)} | ${e.train_loss.toFixed(4)} | ` +
          `${figure(e.val_loss)} | ${figure(e.val_accuracy)} | ${figure(e.val_miou)} | ${e.clouds_per_second.toFixed(2)} |`,
      );
    });
  }
  return lines.join('\n');
}

const args = process.argv.slice(2);
const svgAt = args.indexOf('--svg');
const svgPath =
  svgAt >= 0 ? resolve(args[svgAt + 1]!) : fileURLToPath(new URL('./accuracy-curves.svg', import.meta.url));
const dirs = args.filter((_, i) => svgAt < 0 || (i !== svgAt && i !== svgAt + 1));
if (dirs.length === 0) {
  console.error('usage: node bin/run-ts.js bench/accuracy.ts RUN_DIR [RUN_DIR…] [--svg FILE]');
  process.exit(2);
}
const runs = dirs.map((d) => readRun(resolve(d)));
await writeFileAtomic(svgPath, await curvesSvg(runs));
console.log(`${summary(runs)}\n\n${table(runs)}`);
console.error(`curves → ${svgPath}`);
