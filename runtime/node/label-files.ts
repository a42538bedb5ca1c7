/**
 * Labels cloud files with any Segmenter: files are read a window ahead of the model, grouped by point count into
 * runs (runtime/node/segment-isolating.ts), and a cloud that cannot be read or run fails alone, with an error that
 * names its file. With the worker pool, reading happens on the workers and several windows run at once; the runs
 * are the same as in one thread, so the labels are the same byte for byte.
 */
import { isPnetError, PnetError } from '../../src/core/errors.ts';
import type { SegmentResult, Segmenter } from '../segmenter.ts';
import { readCloudFile } from './cloud-files.ts';
import { planIsolatedRuns, segmentIsolatingFailures } from './segment-isolating.ts';
import { isParallelSegmenter } from './parallel-segmenter.ts';

/** How many clouds are read ahead of the model, in batches: enough to fill batches, few enough to bound memory. */
const WINDOW_BATCHES = 4;

/** Files per read request: small, so parsing spreads evenly over the workers. */
const READ_CHUNK = 4;

export interface LabelFilesOptions {
  /** Most clouds of equal size per model run. */
  maxBatch: number;
  /** Once aborted, no new window starts and outcomes not yet yielded are dropped (stop the segmenter as well). */
  signal?: AbortSignal;
}

/** One file's outcome; `index` is its position in the files given. */
export type FileOutcome =
  | { index: number; file: string; points: Float32Array; result: SegmentResult }
  /** The file could not be read or labelled; the error names the file. */
  | { index: number; file: string; points?: Float32Array; error: Error };

/** Reads files in this thread, or on the pool's workers. */
function readerFor(segmenter: Segmenter): (files: string[]) => Promise<Array<Float32Array | Error>> {
  if (isParallelSegmenter(segmenter)) return (files) => segmenter.readClouds(files);
  return async (files) => {
    const out: Array<Float32Array | Error> = [];
    for (const file of files) out.push(await readCloudFile(file).catch((e: Error) => e));
    return out;
  };
}

/** Runs one planned group; the pool isolates failures on its workers, where the group runs. */
function groupRunnerFor(segmenter: Segmenter): (clouds: Float32Array[]) => Promise<Array<SegmentResult | Error>> {
  if (isParallelSegmenter(segmenter)) return (clouds) => segmenter.segmentGroup(clouds);
  return (clouds) => segmentIsolatingFailures(segmenter, clouds, clouds.length);
}

/** The model's error, re-thrown with the file it was running. */
function naming(e: Error, file: string): Error {
  return isPnetError(e) ? new PnetError(e.code, e.message, { file, remedy: e.remedy }) : e;
}

/** A cloud whose request was lost (a worker stopped): not labelled, and why. */
function lost(e: unknown, file: string): PnetError {
  const why = (e as Error)?.message ?? String(e);
  return new PnetError(isPnetError(e) ? e.code : 'PARTIAL_FAILURE', `not labelled: ${why}`, { file });
}

/**
 * Yields one outcome per file, in file order within a window: first the files that could not be read, then the
 * others. With several windows in flight, windows may interleave.
 */
export async function* labelCloudFiles(
  segmenter: Segmenter,
  files: readonly string[],
  options: LabelFilesOptions,
): AsyncGenerator<FileOutcome> {
  const { maxBatch, signal } = options;
  const read = readerFor(segmenter);
  const runGroup = groupRunnerFor(segmenter);
  const ready: FileOutcome[] = [];
  let wake: (() => void) | undefined;
  const emit = (outcome: FileOutcome): void => {
    if (signal?.aborted) return;
    ready.push(outcome);
    wake?.();
  };

  const labelWindow = async (start: number, window: readonly string[]): Promise<void> => {
    const chunks: string[][] = [];
    for (let i = 0; i < window.length; i += READ_CHUNK) chunks.push(window.slice(i, i + READ_CHUNK));
    const clouds = (
      await Promise.all(chunks.map((chunk) => read(chunk).catch((e: unknown) => chunk.map(() => ({ lost: e })))))
    ).flat();
    const loaded: Array<{ index: number; file: string; points: Float32Array }> = [];
    clouds.forEach((cloud, i) => {
      const index = start + i;
      const file = window[i]!;
      if (cloud instanceof Float32Array) loaded.push({ index, file, points: cloud });
      else emit({ index, file, error: cloud instanceof Error ? cloud : lost(cloud.lost, file) });
    });

    // Outcomes go out in file order: each as soon as every earlier one in the window is out.
    const settled = new Array<FileOutcome | undefined>(loaded.length);
    let next = 0;
    const settle = (i: number, outcome: FileOutcome): void => {
      settled[i] = outcome;
      while (next < loaded.length && settled[next]) {
        emit(settled[next]!);
        settled[next++] = undefined;
      }
    };
    const { runs, invalid } = planIsolatedRuns(
      loaded.map((l) => l.points),
      maxBatch,
    );
    for (const [i, e] of invalid) settle(i, { ...loaded[i]!, error: naming(e, loaded[i]!.file) });
    await Promise.all(
      runs.map(async (run) => {
        const results = await runGroup(run.map((i) => loaded[i]!.points)).catch((e: unknown) =>
          run.map(() => ({ lost: e })),
        );
        run.forEach((i, k) => {
          const r = results[k]!;
          const l = loaded[i]!;
          if ('lost' in r) settle(i, { ...l, error: lost(r.lost, l.file) });
          else if (r instanceof Error) settle(i, { ...l, error: naming(r, l.file) });
          else settle(i, { ...l, result: r });
        });
      }),
    );
  };

  const windowSize = maxBatch * WINDOW_BATCHES;
  let nextWindow = 0;
  const lane = async (): Promise<void> => {
    while (nextWindow < files.length && !signal?.aborted) {
      const start = nextWindow;
      nextWindow += windowSize;
      await labelWindow(start, files.slice(start, start + windowSize));
    }
  };
  const lanes = isParallelSegmenter(segmenter) ? segmenter.lanes : 1;
  let done = false;
  let failure: { error: unknown } | undefined;
  void Promise.all(Array.from({ length: lanes }, lane))
    .then(
      () => {
        done = true;
      },
      (error: unknown) => {
        failure = { error };
        done = true;
      },
    )
    .finally(() => wake?.());

  while (true) {
    const outcome = ready.shift();
    if (outcome) {
      yield outcome;
      continue;
    }
    if (done) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  if (failure) throw failure.error;
}
