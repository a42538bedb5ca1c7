/**
 * The labels to score one cloud file against (`pnet infer --eval`), found from where the cloud lies:
 * - `<root>/<synset>/points/<id>.pts` with `<synset>/points_label/<id>.seg`: the ShapeNet part benchmark (v0), one
 *   1-based part id of the cloud's category per line;
 * - `<synset>/points/<id>.pts` with `<synset>/points_label/<part>/<id>.seg`: the PartAnnotation layout, one 0/1
 *   file per part (a point in no part is `none`);
 * - otherwise `<stem>.seg` beside the cloud: pnet's own format, one class index of the model per line.
 * Every label is mapped to the model's class indices; anything that does not fit names its file and line.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readTextFile } from '../core/node/read-text.ts';
import path from 'node:path';
import { bounded, boundedList, PnetError, quote } from '../core/errors.ts';
import { checkLabelCount, parseSeg } from '../core/formats/seg.ts';
import { benchmarkParts } from '../core/shapenet-parts.ts';
import { categoryOfSynsetFolder } from '../data/layout.ts';

export type TruthFormat = 'class-index' | 'benchmark' | 'part-files';

export const TRUTH_FORMAT_NAMES: Record<TruthFormat, string> = {
  'class-index': '<name>.seg beside the cloud (class index per line)',
  benchmark: 'ShapeNet part benchmark points_label/<id>.seg (1-based part id per line)',
  'part-files': 'PartAnnotation points_label/<part>/<id>.seg (0/1 per line)',
};

export interface TruthLabels {
  format: TruthFormat;
  /** Class index of the model per point. */
  labels: Int32Array;
  /** The cloud's category when its location says (benchmark synset folders), else undefined. */
  category?: string;
  /** The label files read. */
  files: string[];
}

/** What of the model the labels are mapped onto. */
export interface TruthModel {
  category: readonly string[];
  classes: readonly string[];
}

/** The model's class index of `part` of `category`: `part` for a one-category model, `Category/part` otherwise. */
function classIndexOf(model: TruthModel, category: string | undefined, part: string): number {
  const exact = model.classes.indexOf(part);
  if (model.category.length <= 1 && exact >= 0) return exact;
  const byCategory = category
    ? model.classes.findIndex((c) => c.toLowerCase() === `${category}/${part}`.toLowerCase())
    : -1;
  return byCategory >= 0
    ? byCategory
    : model.category.length <= 1
      ? model.classes.findIndex((c) => c.toLowerCase() === part.toLowerCase())
      : -1;
}

/** The cloud's category: the one its folder names (which the model must know), else the model's only one. */
function resolveCategory(model: TruthModel, fromPath: string | undefined, file: string): string | undefined {
  if (!fromPath) return model.category.length === 1 ? model.category[0] : undefined;
  const known = model.category.find((c) => c.toLowerCase() === fromPath.toLowerCase());
  // A model trained on no category name (hand-made metadata) cannot be checked: trust the folder.
  if (!known && model.category.length > 0) {
    throw new PnetError(
      'BAD_INPUT',
      `this cloud is a ${bounded(fromPath)}; the model knows ${boundedList(model.category)} only`,
      {
        file,
        remedy: 'score each category with a model trained on it',
      },
    );
  }
  return known ?? fromPath;
}

function benchmarkTruth(
  segFile: string,
  cloudFile: string,
  synsetDir: string,
  numPoints: number,
  model: TruthModel,
): TruthLabels {
  const category = resolveCategory(model, categoryOfSynsetFolder(synsetDir), segFile);
  const known = category ? benchmarkParts(category) : undefined;
  if (!category || !known) {
    throw new PnetError(
      'BAD_INPUT',
      'cannot tell which benchmark category this cloud is (no synsetoffset2category.txt names its folder)',
      {
        file: segFile,
        remedy: 'keep the benchmark folders as extracted, or score with <name>.seg class-index files beside the clouds',
      },
    );
  }
  const classOf = known.names.map((part) => classIndexOf(model, category, part));
  const missing = classOf.findIndex((k) => k < 0);
  if (missing >= 0) {
    throw new PnetError(
      'BAD_INPUT',
      `the model has no class for ${category} part ${quote(known.names[missing]!)} (its classes: ${boundedList(model.classes)})`,
      {
        file: segFile,
      },
    );
  }
  const ids = parseSeg(readTextFile(segFile), segFile);
  checkLabelCount(ids, numPoints, segFile, cloudFile);
  const labels = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 1 || id > known.count) {
      throw new PnetError('BAD_INPUT', `part id ${id} is not a ${category} part (expected 1–${known.count})`, {
        file: segFile,
        line: i + 1,
      });
    }
    labels[i] = classOf[id - 1]!;
  }
  return { format: 'benchmark', labels, category, files: [segFile] };
}

function partFilesTruth(
  files: Array<{ part: string; file: string }>,
  cloudFile: string,
  synsetDir: string,
  numPoints: number,
  model: TruthModel,
): TruthLabels {
  const category = resolveCategory(model, categoryOfSynsetFolder(synsetDir), files[0]!.file);
  const none = model.classes.indexOf('none');
  const labels = new Int32Array(numPoints).fill(-1);
  const mapped = files.map(({ part, file }) => {
    const k = classIndexOf(model, category, part);
    if (k < 0)
      throw new PnetError(
        'BAD_INPUT',
        `the model has no part ${quote(part)} (its classes: ${boundedList(model.classes)})`,
        {
          file,
        },
      );
    return { k, file };
  });
  // Class-index order, as the loader reads them: a later part wins where files overlap.
  mapped.sort((a, b) => a.k - b.k);
  for (const { k, file } of mapped) {
    const flags = parseSeg(readTextFile(file), file);
    checkLabelCount(flags, numPoints, file, cloudFile);
    for (let i = 0; i < flags.length; i++) {
      if (flags[i] !== 0 && flags[i] !== 1)
        throw new PnetError('BAD_INPUT', `label ${flags[i]} is not 0 or 1`, { file, line: i + 1 });
      if (flags[i] === 1) labels[i] = k;
    }
  }
  const unlabelled = labels.indexOf(-1);
  if (unlabelled >= 0) {
    if (none < 0) {
      throw new PnetError(
        'BAD_INPUT',
        `point ${unlabelled + 1} is in no part's file and the model has no \`none\` class`,
        {
          file: files[0]!.file,
          line: unlabelled + 1,
        },
      );
    }
    for (let i = 0; i < labels.length; i++) if (labels[i] === -1) labels[i] = none;
  }
  return { format: 'part-files', labels, category, files: files.map((f) => f.file) };
}

function classIndexTruth(segFile: string, cloudFile: string, numPoints: number, model: TruthModel): TruthLabels {
  const labels = parseSeg(readTextFile(segFile), segFile);
  checkLabelCount(labels, numPoints, segFile, cloudFile);
  const k = model.classes.length;
  const badAt = labels.findIndex((l) => l < 0 || l >= k);
  if (badAt >= 0) {
    throw new PnetError('BAD_INPUT', `label ${labels[badAt]} is not a class of the model (0–${k - 1})`, {
      file: segFile,
      line: badAt + 1,
    });
  }
  return { format: 'class-index', labels, category: resolveCategory(model, undefined, segFile), files: [segFile] };
}

/** Label files of a cloud inside a benchmark or PartAnnotation `points/` folder, or undefined when it is not in one. */
function layoutLabelFiles(
  cloudFile: string,
): { synsetDir: string; seg?: string; parts?: Array<{ part: string; file: string }> } | undefined {
  const dir = path.dirname(path.resolve(cloudFile));
  if (path.basename(dir) !== 'points') return undefined;
  const synsetDir = path.dirname(dir);
  const labelDir = path.join(synsetDir, 'points_label');
  if (!existsSync(labelDir) || !statSync(labelDir).isDirectory()) return undefined;
  const id = path.basename(cloudFile, path.extname(cloudFile));
  const seg = path.join(labelDir, `${id}.seg`);
  if (existsSync(seg)) return { synsetDir, seg };
  const parts = readdirSync(labelDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ part: d.name, file: path.join(labelDir, d.name, `${id}.seg`) }))
    .filter((p) => existsSync(p.file))
    .sort((a, b) => a.part.localeCompare(b.part));
  return { synsetDir, parts };
}

/**
 * The labels of `cloudFile` (with `numPoints` points) as the model's class indices, or null when none are found.
 * The format is detected from the cloud's path (see the module comment).
 */
export function readTruthLabels(cloudFile: string, numPoints: number, model: TruthModel): TruthLabels | null {
  const inLayout = layoutLabelFiles(cloudFile);
  if (inLayout?.seg) return benchmarkTruth(inLayout.seg, cloudFile, inLayout.synsetDir, numPoints, model);
  if (inLayout?.parts && inLayout.parts.length > 0)
    return partFilesTruth(inLayout.parts, cloudFile, inLayout.synsetDir, numPoints, model);
  const beside = path.join(path.dirname(cloudFile), `${path.basename(cloudFile, path.extname(cloudFile))}.seg`);
  if (!existsSync(beside)) return null;
  return classIndexTruth(beside, cloudFile, numPoints, model);
}
