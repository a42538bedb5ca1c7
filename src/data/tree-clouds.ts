/**
 * CloudSources into Clouds, read through a FileTree and each checked against its other files (counts, label
 * values), and the Dataset they make with the index's problems: the one parsing and strict-mode policy of
 * loadDataset (files on disk) and loadDatasetFromFiles (files in a web page). Browser-safe.
 */
import { PnetError, isPnetError } from '../core/errors.ts';
import { parsePointsWithParts, parsePts } from '../core/formats/pts.ts';
import { checkLabelCount, parseSeg } from '../core/formats/seg.ts';
import type { FileTree } from './file-tree.ts';
import type { CloudSource, DatasetIndex } from './tree-layout.ts';
import type { Cloud, DataProblem, Dataset } from './types.ts';

function checkRange(ids: Int32Array, first: number, count: number, file: string, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (v < first || v >= first + count) {
      throw new PnetError('BAD_INPUT', `${what} ${v} is not valid here (expected ${first}–${first + count - 1})`, {
        file,
        line: i + 1,
      });
    }
  }
}

/** Class index of points that belong to no part (PartAnnotation only): the last class. */
export function parseCloudIn(tree: FileTree, source: CloudSource, noneClass: number): Cloud {
  const base = { id: source.id, category: source.category, source: source.pointsFile };
  const l = source.labels;
  if (l.kind === 'embedded') {
    const { points, parts } = parsePointsWithParts(tree.readText(source.pointsFile), source.pointsFile);
    checkRange(parts, l.firstId, l.count, source.pointsFile, 'part id');
    const labels = parts.map((p) => p - l.firstId + l.classOffset);
    return { ...base, points, labels };
  }
  const points = parsePts(tree.readText(source.pointsFile), source.pointsFile);
  const n = points.length / 3;
  if (l.kind === 'none') return { ...base, points, labels: null };
  if (l.kind === 'id-file') {
    const ids = parseSeg(tree.readText(l.file), l.file);
    checkLabelCount(ids, n, l.file);
    checkRange(ids, l.firstId, l.count, l.file, 'part id');
    return { ...base, points, labels: ids.map((p) => p - l.firstId + l.classOffset) };
  }
  // One 0/1 file per part; a point marked by no part is `none`, a later part wins over an earlier one.
  const labels = new Int32Array(n).fill(noneClass);
  for (const { classIndex, file } of l.files) {
    const flags = parseSeg(tree.readText(file), file);
    checkLabelCount(flags, n, file);
    checkRange(flags, 0, 2, file, 'label');
    for (let i = 0; i < n; i++) if (flags[i] === 1) labels[i] = classIndex;
  }
  return { ...base, points, labels };
}

export interface ParseCloudsOptions {
  /** The first bad file is fatal (its PnetError, with file and line) instead of a skipped cloud. */
  strict?: boolean;
  /** Called after each source, parsed or skipped (a progress bar). */
  onCloud?: () => void;
}

/** Every source parsed; a bad one is skipped and listed as a problem naming its file and line. */
export function parseClouds(
  tree: FileTree,
  sources: readonly CloudSource[],
  noneClass: number,
  options: ParseCloudsOptions = {},
): { clouds: Cloud[]; problems: DataProblem[] } {
  const clouds: Cloud[] = [];
  const problems: DataProblem[] = [];
  for (const source of sources) {
    try {
      clouds.push(parseCloudIn(tree, source, noneClass));
    } catch (e) {
      if (!isPnetError(e) || options.strict) throw e;
      problems.push({ file: e.file ?? source.pointsFile, line: e.line, message: e.message });
    }
    options.onCloud?.();
  }
  return { clouds, problems };
}

/** The first problem as the error `strict` makes of it. */
export function problemError(p: DataProblem): PnetError {
  return new PnetError('BAD_INPUT', p.message, { file: p.file, line: p.line });
}

/** The Dataset of an index and its parsed clouds; with `strict`, an index problem (a missing folder) is fatal. */
export function datasetOf(
  index: DatasetIndex,
  parsed: { clouds: Cloud[]; problems: DataProblem[] },
  strict: boolean,
): Dataset {
  if (strict && index.problems.length > 0) throw problemError(index.problems[0]!);
  return {
    root: index.root,
    format: index.format,
    categories: index.categories,
    classes: index.classes,
    clouds: parsed.clouds,
    officialSplit: index.officialSplit,
    problems: [...index.problems, ...parsed.problems],
  };
}
