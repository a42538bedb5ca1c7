/**
 * The clouds the parity matrix runs: real ShapeNet files when a dataset is at hand (by default the sample in
 * ../shared/data beside the repository), synthetic airplanes otherwise.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PnetError } from '../errors.ts';
import { indexDataset } from '../data/layout.ts';
import { parseCloud } from '../data/parse-cloud.ts';
import { synthAirplane } from '../data/synth.ts';
import { Rng } from '../rng.ts';
import type { ParityCloud } from './types.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The real part files shipped beside the repository (CI clones the repository next to a copy of shared/). */
export const SHARED_DATA_DIR = resolve(REPO_ROOT, '../shared/data', 'shapenetcore_partanno_segmentation_benchmark_v0_normal');

export interface ParityCloudSet {
  clouds: ParityCloud[];
  /** Where they came from, for the report. */
  source: string;
}

export function syntheticParityClouds(count: number, seed = 11): ParityCloud[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const c = synthAirplane(rng.fork(i), `synthetic-${i}`);
    return { name: `Airplane/${c.id} (synthetic)`, xyz: c.points };
  });
}

/** Reads the first `count` clouds of a dataset (any layout `pnet data` reads), spread over its categories. */
export function datasetParityClouds(dir: string, count: number): ParityCloud[] {
  const index = indexDataset(dir);
  const noneClass = index.classes.names.length - 1;
  const byCategory = new Map<string, typeof index.sources>();
  for (const s of index.sources) byCategory.set(s.category, [...(byCategory.get(s.category) ?? []), s]);
  // Round-robin over categories so a small count still covers every category.
  const picked: typeof index.sources = [];
  for (let i = 0; picked.length < count && picked.length < index.sources.length; i++) {
    for (const list of byCategory.values()) if (list[i] && picked.length < count) picked.push(list[i]!);
  }
  const clouds = picked.map((s) => ({ name: `${s.category}/${s.id}`, xyz: parseCloud(s, noneClass).points }));
  if (clouds.length === 0) throw new PnetError('NOT_FOUND', 'the dataset has no clouds', { file: dir });
  return clouds;
}

/** `dataDir` when given; else the shared real sample when present; else synthetic clouds. */
export function parityClouds(options: { dataDir?: string; count?: number } = {}): ParityCloudSet {
  const count = options.count ?? 4;
  if (!(Number.isInteger(count) && count >= 1)) throw new PnetError('BAD_ARGUMENT', `--clouds must be a positive integer, got ${count}`);
  if (options.dataDir) return { clouds: datasetParityClouds(options.dataDir, count), source: options.dataDir };
  if (existsSync(SHARED_DATA_DIR)) return { clouds: datasetParityClouds(SHARED_DATA_DIR, count), source: `real ShapeNet sample (${SHARED_DATA_DIR})` };
  return { clouds: syntheticParityClouds(count), source: 'synthetic airplanes (no real data beside the repository)' };
}
