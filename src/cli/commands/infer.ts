import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Argv } from 'yargs';
import cliProgress from 'cli-progress';
import type { PnetCommand } from '../command.ts';
import { PnetError, isPnetError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../core/node/atomic-write.ts';
import { formatSeg } from '../../core/formats/seg.ts';
import { writePly } from '../../core/formats/ply.ts';
import { claimOutputs, OUTPUTS_MANIFEST } from '../infer-outputs.ts';
import { createNodeSegmenter, DEFAULT_MAX_BATCH, NODE_EXECUTION_PROVIDERS, type NodeExecutionProvider } from '../../../runtime/node/index.ts';
import { expandCloudInputs, readCloudFile } from '../../../runtime/node/cloud-files.ts';
import { planIsolatedRuns, segmentIsolatingFailures } from '../../../runtime/node/segment-isolating.ts';
import { createSegmenterPool } from '../../../runtime/node/worker-pool.ts';
import { hexToRgb } from '../../core/colors.ts';
import { partsByCategory, scoredParts, SegmentationMetrics } from '../../core/metrics.ts';
import { readTruthLabels, TRUTH_FORMAT_NAMES, type TruthFormat } from '../../eval/truth-labels.ts';
import type { ModelInfo, SegmentResult } from '../../../runtime/segmenter.ts';

export const INFER_FORMATS = ['seg', 'ply', 'json'] as const;
type InferFormat = (typeof INFER_FORMATS)[number];

export interface InferArgs {
  model: string;
  inputs: string[];
  ep: NodeExecutionProvider;
  fallback?: 'cpu';
  out: string;
  format: InferFormat;
  plyEncoding: 'ascii' | 'binary';
  batch: number;
  threads?: number;
  /** Worker threads labelling files in parallel; 1 (default) runs in this thread. */
  workers?: number;
  eval: boolean;
  probabilities: boolean;
  /** Overwrite files in --out that pnet infer did not write. */
  force?: boolean;
}

/** Exit code when some clouds failed and others were labelled. */
export const EXIT_PARTIAL_FAILURE = 2;

/** How many clouds are read ahead of the model: enough to fill batches, few enough to bound memory. */
const WINDOW_BATCHES = 4;

interface Job {
  file: string;
  out: string;
  /** `<stem>.seg` beside the input: ground truth for --eval. */
  truthFile: string;
}

function stem(file: string): string {
  return path.basename(file, path.extname(file));
}

/** Deepest folder that contains every input, so outputs mirror the inputs' relative layout. */
function commonDir(files: string[]): string {
  const parts = files.map((f) => path.resolve(path.dirname(f)).split(path.sep));
  const first = parts[0]!;
  let n = first.length;
  for (const p of parts) {
    let i = 0;
    while (i < n && i < p.length && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(path.sep) || path.sep;
}

function planJobs(files: string[], outDir: string, format: InferFormat): Job[] {
  const base = commonDir(files);
  return files.map((file) => {
    const rel = path.relative(base, path.resolve(path.dirname(file)));
    const truthFile = path.join(path.dirname(file), `${stem(file)}.seg`);
    const out = path.join(outDir, rel, `${stem(file)}.${format}`);
    // The benchmark layout keeps labels in a sibling folder: never write over those either.
    const layoutLabel = path.join(path.dirname(path.dirname(path.resolve(file))), 'points_label', `${stem(file)}.seg`);
    if (path.resolve(out) === layoutLabel) {
      throw new PnetError('BAD_ARGUMENT', `--out ${outDir} would overwrite the label file ${layoutLabel}`, { remedy: 'choose another --out folder' });
    }
    if (path.resolve(out) === path.resolve(truthFile)) {
      throw new PnetError('BAD_ARGUMENT', `--out ${outDir} would overwrite the label file ${truthFile}`, {
        remedy: 'choose another --out folder',
      });
    }
    if (path.resolve(out) === path.resolve(file)) {
      throw new PnetError('BAD_ARGUMENT', `--out ${outDir} would overwrite the input ${file}`, { remedy: 'choose another --out folder' });
    }
    return { file, out, truthFile };
  });
}

function encodeOutput(
  format: InferFormat,
  args: InferArgs,
  info: ModelInfo,
  job: Job,
  points: Float32Array,
  result: SegmentResult,
  shapeIoU: number | undefined,
): Uint8Array | string {
  if (format === 'seg') return formatSeg(result.labels);
  if (format === 'ply') {
    return writePly(
      {
        points,
        labels: result.labels,
        palette: info.colors.map(hexToRgb),
        comments: [`pnet segmentation; classes: ${info.classes.join(', ')}`],
      },
      args.plyEncoding,
    );
  }
  const k = info.classes.length;
  const doc: Record<string, unknown> = {
    file: job.file,
    model: args.model,
    executionProvider: result.executionProvider,
    numPoints: result.numPoints,
    classes: info.classes,
    colors: info.colors,
    labels: Array.from(result.labels),
  };
  if (args.probabilities) {
    doc.probabilities = Array.from({ length: result.numPoints }, (_, i) =>
      Array.from(result.probabilities.subarray(i * k, (i + 1) * k), (p) => Number(p.toPrecision(6))),
    );
  }
  if (shapeIoU !== undefined) doc.miou = shapeIoU;
  return JSON.stringify(doc) + '\n';
}

/** A progress bar on stderr for interactive terminals only; messages print above it. */
function progressBar(total: number): { tick(): void; log(line: string): void; stop(): void } {
  const interactive = process.stderr.isTTY === true && process.env.CI !== 'true' && total > 1;
  if (!interactive) {
    return { tick() {}, log: (line) => void process.stderr.write(`${line}\n`), stop() {} };
  }
  const multi = new cliProgress.MultiBar(
    { stream: process.stderr, format: 'infer |{bar}| {value}/{total} clouds | {eta_formatted} left', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  const bar = multi.create(total, 0);
  return {
    tick: () => bar.increment(),
    log: (line) => multi.log(`${line}\n`),
    stop: () => multi.stop(),
  };
}

function describeError(e: unknown): string {
  return isPnetError(e) ? e.describe() : `unexpected error: ${(e as Error)?.message ?? String(e)}`;
}

type ProgressBar = ReturnType<typeof progressBar>;

/** What the run loop reports to: the per-cloud steps that are the same in this thread and on worker threads. */
interface RunSink {
  bar: ProgressBar;
  /** Reports a failure of one input (already naming its file). */
  fail(e: unknown): void;
  /** Scores, encodes and writes one segmented cloud, or reports why its model run failed. */
  finish(job: Job, points: Float32Array, result: SegmentResult | Error): Promise<void>;
}

/** The model, loaded in this thread or on worker threads, and how it labels all the jobs. */
interface Labeller {
  readonly info: ModelInfo;
  readonly executionProvider: string;
  readonly fallbackReason?: string;
  /** Summary line on how the work was spread, if it was. */
  readonly layout?: string;
  label(jobs: Job[], sink: RunSink): Promise<void>;
  dispose(): Promise<void>;
}

/** One session in this thread: clouds are read a window ahead and batched by size. */
async function inProcessLabeller(args: InferArgs): Promise<Labeller> {
  const segmenter = await createNodeSegmenter(args.model, { ep: args.ep, fallback: args.fallback, threads: args.threads });
  return {
    info: segmenter.info,
    executionProvider: segmenter.executionProvider,
    fallbackReason: segmenter.fallbackReason,
    async label(jobs, { bar, fail, finish }) {
      const window = args.batch * WINDOW_BATCHES;
      for (let w = 0; w < jobs.length; w += window) {
        const slice = jobs.slice(w, w + window);
        const loaded: Array<{ job: Job; points: Float32Array }> = [];
        for (const job of slice) {
          try {
            loaded.push({ job, points: await readCloudFile(job.file) });
          } catch (e) {
            fail(e);
            bar.tick();
          }
        }
        const results = await segmentIsolatingFailures(segmenter, loaded.map((l) => l.points), args.batch);
        for (let i = 0; i < loaded.length; i++) await finish(loaded[i]!.job, loaded[i]!.points, results[i]!);
      }
    },
    dispose: () => segmenter.dispose(),
  };
}

/** How many windows of clouds are read and run at once on worker threads: enough to keep every worker busy. */
const WINDOWS_IN_FLIGHT = 3;

/** Files per read request: small, so parsing spreads evenly over the workers. */
const READ_CHUNK = 4;

/**
 * Worker threads, each with its own session, read, parse and run the clouds; this thread scores and writes them.
 * Clouds are grouped into runs exactly as in this thread (same windows, same batches), so the outputs are the same
 * byte for byte. Ctrl-C stops the workers and ends the run as interrupted.
 */
async function workerLabeller(args: InferArgs, workers: number, requested: number): Promise<Labeller> {
  const pool = await createSegmenterPool(args.model, { workers, ep: args.ep, fallback: args.fallback, threads: args.threads });
  const cores = availableParallelism();
  const layout =
    `  ${workers} worker threads × ${pool.threads} ORT thread${pool.threads === 1 ? '' : 's'} each on ${cores} cores` +
    (workers * pool.threads > cores ? ' (more threads than cores: they take turns)' : '') +
    (requested > workers ? ` (--workers ${requested}, but only ${workers} clouds)` : '');

  return {
    info: pool.info,
    executionProvider: pool.executionProvider,
    fallbackReason: pool.fallbackReason,
    layout,
    async label(jobs, { bar, fail, finish }) {
      let interrupted = false;
      let handled = 0;
      // Results arrive in any order; scoring and writing happen one cloud at a time, in arrival order.
      let written = Promise.resolve();
      const report = (step: () => void | Promise<void>): Promise<void> =>
        (written = written.then(async () => {
          if (interrupted) return;
          await step();
          handled++;
        }));
      const lost = (job: Job, e: unknown): Promise<void> =>
        report(() => {
          const why = (e as Error)?.message ?? String(e);
          fail(new PnetError(isPnetError(e) ? e.code : 'PARTIAL_FAILURE', `not labelled: ${why}`, { file: job.file }));
          bar.tick();
        });

      const labelWindow = async (window: Job[]): Promise<void> => {
        const chunks: Job[][] = [];
        for (let i = 0; i < window.length; i += READ_CHUNK) chunks.push(window.slice(i, i + READ_CHUNK));
        const read = await Promise.all(
          chunks.map((chunk) =>
            pool.readClouds(chunk.map((j) => j.file)).then(
              (clouds) => clouds,
              (e: unknown) => chunk.map(() => ({ lost: e })),
            ),
          ),
        );
        const loaded: Array<{ job: Job; points: Float32Array }> = [];
        read.flat().forEach((cloud, i) => {
          const job = window[i]!;
          if (cloud instanceof Float32Array) loaded.push({ job, points: cloud });
          else if (cloud instanceof Error) {
            void report(() => {
              fail(cloud);
              bar.tick();
            });
          } else void lost(job, cloud.lost);
        });
        const { runs, invalid } = planIsolatedRuns(loaded.map((l) => l.points), args.batch);
        for (const [i, e] of invalid) void report(() => finish(loaded[i]!.job, loaded[i]!.points, e));
        await Promise.all(
          runs.map(async (run) => {
            const group = run.map((i) => loaded[i]!);
            try {
              const results = await pool.segmentGroup(group.map((g) => g.points));
              for (const [k, g] of group.entries()) void report(() => finish(g.job, g.points, results[k]!));
            } catch (e) {
              for (const g of group) void lost(g.job, e);
            }
          }),
        );
      };

      const onSigint = (): void => {
        interrupted = true;
        void pool.close(new PnetError('INTERRUPTED', 'interrupted'));
      };
      process.once('SIGINT', onSigint);
      try {
        const windowSize = args.batch * WINDOW_BATCHES;
        const windows: Job[][] = [];
        for (let w = 0; w < jobs.length; w += windowSize) windows.push(jobs.slice(w, w + windowSize));
        let next = 0;
        const lane = async (): Promise<void> => {
          while (next < windows.length && !interrupted) await labelWindow(windows[next++]!);
        };
        await Promise.all(Array.from({ length: Math.min(WINDOWS_IN_FLIGHT, windows.length) }, lane));
        await written;
      } finally {
        process.off('SIGINT', onSigint);
      }
      if (interrupted) {
        throw new PnetError('INTERRUPTED', `interrupted after ${handled} of ${jobs.length} clouds (those labelled are in ${args.out})`);
      }
    },
    dispose: () => pool.close(),
  };
}

export async function runInfer(args: InferArgs): Promise<number> {
  if (!Number.isInteger(args.batch) || args.batch < 1) {
    throw new PnetError('BAD_ARGUMENT', `--batch must be a positive integer, got ${args.batch}`);
  }
  const requestedWorkers = args.workers ?? 1;
  if (!Number.isInteger(requestedWorkers) || requestedWorkers < 1) {
    throw new PnetError('BAD_ARGUMENT', `--workers must be a positive integer, got ${args.workers}`);
  }
  if (args.threads !== undefined && !(Number.isInteger(args.threads) && args.threads >= 1)) {
    throw new PnetError('BAD_ARGUMENT', `--threads must be a positive integer, got ${args.threads}`);
  }
  const expanded = await expandCloudInputs(args.inputs);
  const failures: string[] = expanded.problems.map(describeError);
  for (const f of failures) process.stderr.write(`pnet: ${f}\n`);
  if (expanded.files.length === 0) {
    throw new PnetError('NOT_FOUND', `no .pts or .ply clouds in: ${args.inputs.join(' ')}`);
  }
  const jobs = planJobs(expanded.files, args.out, args.format);
  // A worker per cloud at most: more would only load the model for nothing.
  const workers = Math.min(requestedWorkers, jobs.length);

  const loadStart = performance.now();
  const labeller = workers > 1 ? await workerLabeller(args, workers, requestedWorkers) : await inProcessLabeller(args);
  const loadMs = performance.now() - loadStart;
  // Once the model is known to load: a bad --out (or one holding the user's files) fails here, once.
  await claimOutputs(args.out, jobs.map((j) => j.out), args.force === true).catch(async (e: unknown) => {
    await labeller.dispose();
    throw e;
  });
  if (labeller.fallbackReason) process.stderr.write(`pnet: ${labeller.fallbackReason}\n`);
  const info = labeller.info;
  // Scored by the benchmark's protocol: argmax over the cloud's category's parts only; a cloud whose category its
  // path does not tell is scored on every class but `none`.
  const partsOf = { ...partsByCategory(info.category, info.classes), '': scoredParts(info.classes) };
  const score = args.eval ? new SegmentationMetrics(info.classes.length, partsOf) : undefined;
  const truthFormats = new Map<TruthFormat, number>();
  let withoutTruth = 0;

  const bar = progressBar(jobs.length);
  const fail = (e: unknown): void => {
    const line = describeError(e);
    failures.push(line);
    bar.log(`pnet: ${line}`);
  };
  let done = 0;
  let warnings = 0;
  let inferenceMs = 0;
  const finish = async (job: Job, points: Float32Array, result: SegmentResult | Error): Promise<void> => {
    try {
      if (result instanceof Error) {
        throw isPnetError(result) ? new PnetError(result.code, result.message, { file: job.file, remedy: result.remedy }) : result;
      }
      inferenceMs += result.ms;
      if (result.warning) {
        warnings++;
        bar.log(`pnet: warning: ${job.file}: ${result.warning}`);
      }
      let iou: number | undefined;
      if (score) {
        const truth = readTruthLabels(job.file, result.numPoints, info);
        if (truth) {
          iou = score.addShapeScores(result.probabilities, truth.labels, truth.category ?? '');
          truthFormats.set(truth.format, (truthFormats.get(truth.format) ?? 0) + 1);
        } else withoutTruth++;
      }
      await writeFileAtomic(job.out, encodeOutput(args.format, args, info, job, points, result, iou));
      done++;
    } catch (e) {
      fail(e);
    }
    bar.tick();
  };
  const start = performance.now();
  try {
    await labeller.label(jobs, { bar, fail, finish });
  } finally {
    bar.stop();
    await labeller.dispose();
  }
  const seconds = (performance.now() - start) / 1000;

  const total = jobs.length + expanded.problems.length;
  const lines = [
    `labelled ${done} of ${total} clouds → ${args.out} (${args.format}) on ${labeller.executionProvider}` +
      (labeller.fallbackReason ? ' (fallback)' : ''),
  ];
  if (labeller.layout) lines.push(labeller.layout);
  if (warnings > 0) lines.push(`  ${warnings} cloud(s) labelled with a warning (see above): their labels are not meaningful`);
  if (done > 0) {
    lines.push(
      `  ${(done / seconds).toFixed(1)} clouds/s overall, ${(inferenceMs / done).toFixed(1)} ms per cloud in the model ` +
        `(batch ≤ ${args.batch}); model load ${loadMs.toFixed(0)} ms`,
    );
  }
  if (score) {
    if (score.shapes > 0) {
      const s = score.summary();
      const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
      const categories = Object.entries(s.categories);
      lines.push(
        `  eval on ${score.shapes} clouds with labels: accuracy ${pct(s.accuracy)}, instance mIoU ${pct(s.miou)}` +
          (categories.length > 1 ? `, class mIoU ${pct(s.classMiou)}` : '') +
          ` (every original point; ShapeNet part protocol)`,
      );
      for (const [format, n] of truthFormats) lines.push(`  eval labels: ${n} from ${TRUTH_FORMAT_NAMES[format]}`);
      const named = info.classes.map((name, k) => [name, s.partIou[k]!] as const).filter(([, v]) => Number.isFinite(v));
      lines.push(`  per-part IoU: ${named.map(([name, v]) => `${name} ${pct(v)}`).join(', ')}`);
    }
    if (withoutTruth > 0) lines.push(`  eval: ${withoutTruth} clouds have no label files (benchmark points_label/ or <name>.seg beside them)`);
  }
  console.log(lines.join('\n'));
  if (failures.length === 0) return 0;
  process.stderr.write(`pnet: ${failures.length} of ${total} inputs failed (see above)\n`);
  return done > 0 ? EXIT_PARTIAL_FAILURE : 1;
}

export const inferCommand: PnetCommand<InferArgs> = {
  builder: (y: Argv) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: 'pnet .onnx model (from `pnet export`)' })
      .positional('inputs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe:
          'cloud files, folders (searched recursively, following symbolic links; a folder reached twice is read once) ' +
          'or quoted globs of .pts / .ply files (globs do not enter linked folders)',
      })
      .option('ep', { choices: NODE_EXECUTION_PROVIDERS, default: 'cpu' as const, describe: 'execution provider' })
      .option('fallback', {
        choices: ['cpu'] as const,
        describe: 'run on this EP (and say so) when --ep cannot run here, instead of failing',
      })
      .option('out', { type: 'string', default: 'out/infer', describe: 'output folder (mirrors the inputs\' folders)' })
      .option('format', {
        choices: INFER_FORMATS,
        default: 'seg' as const,
        describe: 'seg: one label per line; ply: cloud coloured by part with a label property; json: labels + classes',
      })
      .option('ply-encoding', { choices: ['ascii', 'binary'] as const, default: 'binary' as const, describe: 'PLY body encoding' })
      .option('batch', { type: 'number', default: DEFAULT_MAX_BATCH, describe: 'most clouds of equal size per model run' })
      .option('threads', { type: 'number', describe: 'CPU threads per operator (default: all cores, shared out among --workers)' })
      .option('workers', {
        type: 'number',
        default: 1,
        describe:
          'worker threads labelling files in parallel, each with its own model session; the cores are split among ' +
          'them (workers × threads ≤ cores) unless --threads says otherwise',
      })
      .option('eval', {
        type: 'boolean',
        default: false,
        describe:
          'score each cloud against its labels, found from its path: the benchmark\'s points_label/<id>.seg (1-based part ids), ' +
          'PartAnnotation points_label/<part>/<id>.seg (0/1), else <name>.seg beside it (class indices); ' +
          'accuracy, instance mIoU and per-part IoU by the ShapeNet part protocol',
      })
      .option('probabilities', { type: 'boolean', default: false, describe: 'json format: add per-point class probabilities' })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: `overwrite files in --out that pnet infer did not write (those it wrote are listed in --out/${OUTPUTS_MANIFEST})`,
      })
      .example('$0 infer airplane.onnx clouds/ --out labels', 'label every .pts/.ply under clouds/ (one .seg per cloud)')
      .example("$0 infer airplane.onnx 'scans/**/*.pts' --format ply", 'coloured PLY files to open in MeshLab')
      .example('$0 infer airplane.onnx test/ --eval', 'also print accuracy and mIoU where labels exist')
      .example('$0 infer airplane.onnx clouds/ --workers 2', 'two worker threads read and label clouds in parallel')
      .example('$0 infer airplane.onnx clouds/ --ep cuda --fallback cpu', 'use the GPU when it is set up (`pnet setup cuda`)')
      .epilogue(
        'Exit codes: 0 all clouds labelled; 1 nothing labelled (or a bad model/option); ' +
          `${EXIT_PARTIAL_FAILURE} some clouds failed (each is named on stderr), the rest were written.`,
      ) as unknown as Argv<InferArgs>,
  handler: (args) => runInfer(args),
};

export const { builder, handler } = inferCommand;
