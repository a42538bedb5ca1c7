/**
 * The clouds the parity matrix runs: a dataset the user names, else the real ShapeNet clouds the package ships as
 * demo samples (runtime/web/demo/samples), else synthetic airplanes.
 */
import { checkPositiveInt } from '../core/validate.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PnetError } from '../core/errors.ts';
import { indexDataset } from '../data/layout.ts';
import { parseCloud } from '../data/parse-cloud.ts';
import { parseCloudFile } from '../core/formats/cloud-file.ts';
import { synthAirplane } from '../data/synth.ts';
import { Rng } from '../core/rng.ts';
import { demoSamplesDir } from '../core/node/package-root.ts';
import type { ParityCloud } from './types.ts';

/** The demo page's samples: real ShapeNet clouds (and synthetic ones, which parity leaves out), with index.json. */
export const SAMPLES_DIR = demoSamplesDir();

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

/** Up to `count` items, one category after another, so a small count still covers every category. */
function roundRobinByCategory<T>(items: readonly T[], categoryOf: (item: T) => string, count: number): T[] {
  const byCategory = new Map<string, T[]>();
  for (const item of items) byCategory.set(categoryOf(item), [...(byCategory.get(categoryOf(item)) ?? []), item]);
  const picked: T[] = [];
  for (let i = 0; picked.length < count && picked.length < items.length; i++) {
    for (const list of byCategory.values()) if (list[i] && picked.length < count) picked.push(list[i]!);
  }
  return picked;
}

/**
 * The items of the model's categories when any are there, else all: an Airplane model's int8 labels are held to
 * ≥ 99% of fp32's, which a table (where every part is a guess) need not meet.
 */
function ofModelCategories<T>(
  items: readonly T[],
  categoryOf: (item: T) => string,
  categories?: readonly string[],
): readonly T[] {
  if (!categories?.length) return items;
  const wanted = new Set(categories.map((c) => c.toLowerCase()));
  const matching = items.filter((item) => wanted.has(categoryOf(item).toLowerCase()));
  return matching.length > 0 ? matching : items;
}

/**
 * Reads the first `count` clouds of a dataset (any layout `pnet data` reads), spread over its categories, or over
 * `categories` (the model's) where the dataset holds them.
 */
export function datasetParityClouds(dir: string, count: number, categories?: readonly string[]): ParityCloud[] {
  const index = indexDataset(dir);
  const noneClass = index.classes.names.length - 1;
  const sources = ofModelCategories(index.sources, (s) => s.category, categories);
  const picked = roundRobinByCategory(sources, (s) => s.category, count);
  const clouds = picked.map((s) => ({ name: `${s.category}/${s.id}`, xyz: parseCloud(s, noneClass).points }));
  if (clouds.length === 0) throw new PnetError('NOT_FOUND', 'the dataset has no clouds', { file: dir });
  return clouds;
}

/**
 * The first `count` real samples the package ships, one category after another so a small count covers each; only
 * those of `categories` (the model's) where any are shipped.
 */
export function shippedParityClouds(count: number, categories?: readonly string[]): ParityCloud[] {
  const index = JSON.parse(readFileSync(join(SAMPLES_DIR, 'index.json'), 'utf8')) as Array<{
    file: string;
    category?: string;
    source?: string;
  }>;
  const real = index.filter((s) => s.source !== 'synthetic');
  const picked = roundRobinByCategory(
    ofModelCategories(real, (s) => s.category ?? '', categories),
    (s) => s.category ?? '',
    count,
  );
  return picked.map((s) => {
    const file = join(SAMPLES_DIR, s.file);
    return { name: `${s.category}/${s.file}`, xyz: parseCloudFile(file, readFileSync(file)) };
  });
}

/**
 * `dataDir` when given; else the real samples the package ships; else synthetic clouds. `categories` (a trained
 * model's) narrows the first two to clouds of those categories where they hold any.
 */
export function parityClouds(
  options: { dataDir?: string; count?: number; categories?: readonly string[] } = {},
): ParityCloudSet {
  const count = options.count ?? 4;
  checkPositiveInt('--clouds', count);
  if (options.dataDir) {
    return { clouds: datasetParityClouds(options.dataDir, count, options.categories), source: options.dataDir };
  }
  if (existsSync(join(SAMPLES_DIR, 'index.json'))) {
    const clouds = shippedParityClouds(count, options.categories);
    if (clouds.length > 0) return { clouds, source: `real ShapeNet clouds shipped with pnet (${SAMPLES_DIR})` };
  }
  return { clouds: syntheticParityClouds(count), source: 'synthetic airplanes (no real samples in this install)' };
}
