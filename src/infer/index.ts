/**
 * `pnet infer` as a library: labels cloud files with an exported model and writes one output per cloud (.seg, .ply
 * or .json) under a folder that mirrors the inputs', optionally scoring each against its truth labels. Reading,
 * batching and isolating failing clouds is runtime/node/label-files.ts; this module decides what is written and
 * what the user is told.
 */
import { checkPositiveInt } from '../core/validate.ts';
import { PnetError, isPnetError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/node/atomic-write.ts';
import { argmaxOverParts, partsByCategory, scoredParts, SegmentationMetrics } from '../core/metrics.ts';
import { readTruthLabels, type TruthFormat } from '../eval/truth-labels.ts';
import type { NodeExecutionProvider } from '../../runtime/node/index.ts';
import { expandCloudInputs } from '../../runtime/node/cloud-files.ts';
import { labelCloudFiles } from '../../runtime/node/label-files.ts';
import type { SegmentResult } from '../../runtime/segmenter.ts';
import { encodeOutput } from './encode.ts';
import { planJobs, skipOutFolder, type InferFormat } from './jobs.ts';
import { loadInferModel } from './load.ts';
import { claimOutputs } from './outputs.ts';
import { inferProgress } from './progress.ts';
import { reportInfer, type InferSummary } from './summary.ts';

export { INFER_FORMATS, type InferFormat } from './jobs.ts';
export { OUTPUTS_MANIFEST } from './outputs.ts';
export { EXIT_PARTIAL_FAILURE, formatInferSummary, reportInfer, type InferSummary } from './summary.ts';

export interface InferOptions {
  model: string;
  /** Cloud files, folders or globs. */
  inputs: string[];
  ep: NodeExecutionProvider;
  fallback?: 'cpu';
  /** Output folder. */
  out: string;
  format: InferFormat;
  plyEncoding: 'ascii' | 'binary';
  /** Most clouds of equal size per model run. */
  batch: number;
  threads?: number;
  /** Worker threads labelling files in parallel; 1 (default) runs in this thread. */
  workers?: number;
  /** Most points of a cloud (and of a batched run); larger clouds fail alone, before they run. */
  maxPoints?: number;
  /** Score each cloud against its truth labels. */
  eval: boolean;
  /** json format: add per-point class probabilities. */
  probabilities: boolean;
  /** Overwrite files in `out` that pnet infer did not write. */
  force?: boolean;
}

function describeError(e: unknown): string {
  return isPnetError(e) ? e.describe() : `unexpected error: ${(e as Error)?.message ?? String(e)}`;
}

function checkOptions(o: InferOptions): void {
  checkPositiveInt('--batch', o.batch);
  checkPositiveInt('--workers', o.workers);
  checkPositiveInt('--threads', o.threads);
  checkPositiveInt('--max-points', o.maxPoints);
}

/**
 * The cloud files the inputs name, less those inside --out; inputs that match nothing are reported on stderr and
 * counted (the others still run). None at all is an error.
 */
async function findClouds(o: InferOptions): Promise<{ files: string[]; problems: number }> {
  const expanded = await expandCloudInputs(o.inputs);
  for (const p of expanded.problems) process.stderr.write(`pnet: ${describeError(p)}\n`);
  const { files, skipped } = await skipOutFolder(o.inputs, expanded.files, o.out);
  if (skipped > 0) {
    process.stderr.write(
      `note: not reading ${skipped} cloud(s) inside --out ${o.out}, where the outputs go (name them to label them)\n`,
    );
  }
  if (files.length === 0) {
    throw new PnetError('NOT_FOUND', `no .pts or .ply clouds in: ${o.inputs.join(' ')}`);
  }
  return { files, problems: expanded.problems.length };
}

/**
 * Labels every input and writes the outputs; per-cloud failures and warnings go to stderr as they happen. Throws
 * PnetError when nothing can run (bad option, no clouds, bad model, unusable --out) or on Ctrl-C with workers.
 */
export async function inferFiles(o: InferOptions): Promise<InferSummary> {
  checkOptions(o);
  const { files, problems } = await findClouds(o);
  let failures = problems;
  const jobs = await planJobs(files, o.out, o.format);
  const requestedWorkers = o.workers ?? 1;
  // A worker per cloud at most: more would only load the model for nothing.
  const workers = Math.min(requestedWorkers, jobs.length);

  const loadStart = performance.now();
  const { segmenter, workSpread } = await loadInferModel(
    { model: o.model, ep: o.ep, fallback: o.fallback, threads: o.threads, maxPoints: o.maxPoints },
    workers,
    requestedWorkers,
  );
  const loadMs = performance.now() - loadStart;
  // Once the model is known to load: a bad --out (or one holding the user's files) fails here, once.
  await claimOutputs(
    o.out,
    jobs.map((j) => j.out),
    o.force === true,
  ).catch(async (e: unknown) => {
    await segmenter.dispose();
    throw e;
  });
  if (segmenter.fallbackReason) process.stderr.write(`pnet: ${segmenter.fallbackReason}\n`);
  const info = segmenter.info;
  // Written and scored alike, by the benchmark's protocol: argmax over the cloud's category's parts only (`none`
  // never wins); a cloud whose category its path does not tell, on every class but `none`.
  const partsOf = { ...partsByCategory(info.category, info.classes), '': scoredParts(info.classes) };
  const parts = new SegmentationMetrics(info.classes.length, partsOf);
  const metrics = o.eval ? parts : undefined;
  const truthFormats = new Map<TruthFormat, number>();
  let withoutTruth = 0;

  const bar = inferProgress(jobs.length);
  const fail = (e: unknown): void => {
    failures++;
    bar.log(`pnet: ${describeError(e)}`);
  };
  let done = 0;
  let warnings = 0;
  let inferenceMs = 0;
  const write = async (index: number, points: Float32Array, result: SegmentResult): Promise<void> => {
    const job = jobs[index]!;
    inferenceMs += result.ms;
    if (result.warning) {
      warnings++;
      bar.log(`pnet: warning: ${job.file}: ${result.warning}`);
    }
    let iou: number | undefined;
    const truth = metrics ? readTruthLabels(job.file, result.numPoints, info) : undefined;
    const category = truth?.category ?? '';
    const labels = argmaxOverParts(result.probabilities, info.classes.length, parts.partsFor(category));
    if (metrics) {
      if (truth) {
        iou = metrics.addShape(labels, truth.labels, category);
        truthFormats.set(truth.format, (truthFormats.get(truth.format) ?? 0) + 1);
      } else withoutTruth++;
    }
    await writeFileAtomic(job.out, encodeOutput(o, info, job.file, points, { ...result, labels }, iou));
    done++;
  };

  // Ctrl-C with worker threads stops them between runs (stopping one mid-run would take the process down).
  const interrupt = new AbortController();
  const onSigint = (): void => {
    interrupt.abort();
    void segmenter.dispose();
  };
  if (workers > 1) process.once('SIGINT', onSigint);
  let handled = 0;
  const start = performance.now();
  try {
    for await (const outcome of labelCloudFiles(segmenter, files, {
      maxBatch: o.batch,
      signal: interrupt.signal,
    })) {
      if (interrupt.signal.aborted) continue;
      if ('error' in outcome) fail(outcome.error);
      else await write(outcome.index, outcome.points, outcome.result).catch(fail);
      bar.tick();
      handled++;
    }
  } finally {
    process.off('SIGINT', onSigint);
    bar.stop();
    await segmenter.dispose();
  }
  if (interrupt.signal.aborted) {
    throw new PnetError(
      'INTERRUPTED',
      `interrupted after ${handled} of ${jobs.length} clouds (those labelled are in ${o.out})`,
    );
  }
  return {
    done,
    total: jobs.length + problems,
    failures,
    warnings,
    out: o.out,
    format: o.format,
    batch: o.batch,
    executionProvider: segmenter.executionProvider,
    fellBack: Boolean(segmenter.fallbackReason),
    ...(workSpread !== undefined && { workSpread }),
    seconds: (performance.now() - start) / 1000,
    inferenceMs,
    loadMs,
    ...(metrics && { eval: { metrics, classes: info.classes, truthFormats, withoutTruth } }),
  };
}

/** inferFiles, then the summary printed as `pnet infer` prints it; returns the exit code. */
export async function runInfer(o: InferOptions): Promise<number> {
  return reportInfer(await inferFiles(o));
}
