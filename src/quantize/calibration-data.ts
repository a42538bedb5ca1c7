/**
 * The clouds an int8 export is calibrated on, from `--calibrate DATA`:
 * - a dataset folder in any layout `pnet data` reads: the clouds of the model's categories (or `categories`), from
 *   the official train split when the dataset ships one (the clouds the model was fitted on, so validation and
 *   test clouds stay unseen), else all of them;
 * - otherwise a folder of .pts / .ply cloud files (searched recursively, as `pnet infer` searches).
 * `count` clouds are taken evenly spread over the sorted list, at their original point counts, so the same data
 * always gives the same clouds. Unreadable clouds are skipped and counted; none usable is an error naming DATA.
 *
 * An app over the data layer and the exporter: the exporter itself takes clouds, never reads datasets.
 */
import { checkPositiveInt } from '../core/validate.ts';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { PnetError, isPnetError } from '../core/errors.ts';
import type { CalibrationClouds } from '../../exporters/onnx/export-int8.ts';
import { detectDatasetFormat, indexDataset } from '../data/layout.ts';
import { parseCloud } from '../data/parse-cloud.ts';
import { expandCloudInputs, readCloudFile } from '../../runtime/node/cloud-files.ts';

export const DEFAULT_CALIBRATION_CLOUDS = 64;

export interface CalibrationSet {
  /** xyz of each cloud, raw coordinates as the files hold them. */
  clouds: Float32Array[];
  /** The file each cloud came from. */
  files: string[];
  /** What DATA was: a dataset (with the split used) or a folder of cloud files. */
  source: CalibrationClouds['source'];
  categories: string[];
  /** Clouds DATA offered; `clouds.length` of them were picked. */
  available: number;
  /** Picked clouds that could not be read (skipped). */
  skipped: number;
  /** sha256 over the picked clouds' coordinates (float32, little-endian, in order): names the data wherever it lives. */
  sha256: string;
}

export interface CalibrationDataOptions {
  /** Categories to take from a dataset folder (the model's, by default). */
  categories: string[];
  /** Set when the user named the categories, so a plain cloud folder refuses them rather than ignore them. */
  categoriesGiven?: boolean;
  count?: number;
}

/** `count` indices spread evenly over [0, total), in order. */
export function evenlySpread(total: number, count: number): number[] {
  if (count >= total) return Array.from({ length: total }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * total) / count));
}

function isDataset(dir: string): boolean {
  try {
    detectDatasetFormat(dir);
    return true;
  } catch (e) {
    if (isPnetError(e)) return false;
    throw e;
  }
}

interface Candidate {
  file: string;
  read: () => Promise<Float32Array>;
}

export async function loadCalibrationClouds(data: string, options: CalibrationDataOptions): Promise<CalibrationSet> {
  const count = options.count ?? DEFAULT_CALIBRATION_CLOUDS;
  checkPositiveInt('--calibration-clouds', count);
  const info = await stat(data).catch(() => undefined);
  if (!info) throw new PnetError('NOT_FOUND', 'calibration data does not exist', { file: data });

  let candidates: Candidate[];
  let source: CalibrationSet['source'];
  let categories = options.categories;
  if (info.isDirectory() && isDataset(data)) {
    const index = indexDataset(data, options.categories);
    categories = index.categories;
    const train =
      index.officialSplit && index.officialSplit.train.length > 0 ? new Set(index.officialSplit.train) : null;
    source = train ? 'dataset-train-split' : 'dataset';
    const noneClass = index.classes.names.length - 1;
    candidates = index.sources
      .filter((s) => !train || train.has(s.id))
      .sort((a, b) => (a.pointsFile < b.pointsFile ? -1 : a.pointsFile > b.pointsFile ? 1 : 0))
      .map((s) => ({ file: s.pointsFile, read: async () => parseCloud(s, noneClass).points }));
  } else {
    if (options.categoriesGiven) {
      throw new PnetError(
        'BAD_ARGUMENT',
        '--category picks clouds of a dataset folder, but this is a folder of cloud files (no dataset layout found)',
        { file: data },
      );
    }
    source = 'cloud-files';
    const { files } = await expandCloudInputs([data]);
    candidates = files.map((file) => ({ file, read: () => readCloudFile(file) }));
  }

  const clouds: Float32Array[] = [];
  const files: string[] = [];
  let skipped = 0;
  let firstProblem: string | undefined;
  for (const i of evenlySpread(candidates.length, count)) {
    const c = candidates[i]!;
    try {
      const points = await c.read();
      if (points.length < 3 || !points.every(Number.isFinite)) throw new PnetError('BAD_INPUT', 'no finite points');
      clouds.push(points);
      files.push(c.file);
    } catch (e) {
      if (!isPnetError(e)) throw e;
      skipped++;
      firstProblem ??= `${path.basename(e.file ?? c.file)}: ${e.message}`;
    }
  }
  if (clouds.length === 0) {
    const what =
      candidates.length === 0
        ? `no ${source === 'cloud-files' ? '.pts/.ply cloud' : `${categories.join(', ')} cloud`} found`
        : `none of ${skipped} clouds could be read (${firstProblem})`;
    throw new PnetError('BAD_INPUT', `no usable calibration cloud: ${what}`, { file: data });
  }
  const hash = createHash('sha256');
  for (const c of clouds) hash.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  return {
    clouds,
    files,
    source,
    categories,
    available: candidates.length,
    skipped,
    sha256: hash.digest('hex'),
  };
}
