/**
 * Finds what a dataset folder holds and lists its clouds as file references, without parsing any cloud.
 * Three layouts: the seed's `PartAnnotation` (metadata.json + per-part 0/1 label files), the ShapeNet part
 * benchmark v0 (`points/*.pts` + `points_label/*.seg` with 1-based part ids) and its normal variant
 * (`<synset>/<id>.txt` with xyz, normals and the global part id). Everything is read through a FileTree, so the
 * file system (layout.ts) and files held in a web page (load-files.ts) are indexed by this one module; browser-safe.
 */
import { PnetError, isPnetError } from '../core/errors.ts';
import { NONE_COLOR, toHexColor } from '../core/colors.ts';
import { benchmarkParts } from '../core/shapenet-parts.ts';
import type { FileTree } from './file-tree.ts';
import { basename, dirname, join, stem } from './tree-path.ts';
import type { ClassTable, DataProblem, DatasetFormat } from './types.ts';

/** Where one cloud's files are, and how its labels map to class indices. */
export interface CloudSource {
  id: string;
  category: string;
  pointsFile: string;
  labels:
    | { kind: 'none' }
    /** PartAnnotation: one 0/1 file per part; class index per file. Absent part files mean the part is absent. */
    | { kind: 'part-files'; files: Array<{ classIndex: number; file: string }> }
    /** benchmark v0: one file of ids; class index = id − 1 + offset. */
    | { kind: 'id-file'; file: string; firstId: number; count: number; classOffset: number }
    /** normal variant: ids in the 7th column; class index = id − firstId + classOffset. */
    | { kind: 'embedded'; firstId: number; count: number; classOffset: number };
}

export interface DatasetIndex {
  root: string;
  format: DatasetFormat;
  categories: string[];
  classes: ClassTable;
  sources: CloudSource[];
  officialSplit?: { train: string[]; val: string[]; test: string[] };
  problems: DataProblem[];
}

interface CategoryEntry {
  name: string;
  directory: string;
  parts: string[];
  colors: (string | undefined)[];
}

export const NOT_A_DATASET =
  'not a ShapeNet part dataset: found neither PartAnnotation/metadata.json nor synsetoffset2category.txt';

/** Where the dataset in `dir` is and its format, or undefined when `dir` (an existing folder) holds none. */
export function findDatasetFormatIn(tree: FileTree, dir: string): { format: DatasetFormat; root: string } | undefined {
  for (const root of [dir, join(dir, 'PartAnnotation')]) {
    if (tree.exists(join(root, 'metadata.json'))) return { format: 'partannotation', root };
  }
  const candidates = [dir, ...subfolders(tree, dir).map((d) => join(dir, d))];
  for (const root of candidates) {
    if (!tree.exists(join(root, 'synsetoffset2category.txt'))) continue;
    const synsets = readSynsets(tree, root).map((s) => join(root, s.directory));
    const hasPointsDir = synsets.some((s) => tree.exists(join(s, 'points')));
    return { format: hasPointsDir ? 'benchmark' : 'benchmark-normal', root };
  }
  return undefined;
}

export function detectDatasetFormatIn(tree: FileTree, dir: string): { format: DatasetFormat; root: string } {
  if (!tree.exists(dir)) throw new PnetError('NOT_FOUND', 'dataset directory does not exist', { file: dir });
  const found = findDatasetFormatIn(tree, dir);
  if (found) return found;
  throw new PnetError('BAD_INPUT', NOT_A_DATASET, {
    file: dir,
    remedy: 'point --data at the extracted archive, or make one with `pnet data synth --out DIR`',
  });
}

/** The folders in `dir`; none when it cannot be listed (then there is nothing to find in it). */
export function subfolders(tree: FileTree, dir: string): string[] {
  try {
    return tree.list(dir).filter((d) => tree.isDirectory(join(dir, d)));
  } catch {
    return [];
  }
}

function readMetadata(tree: FileTree, root: string): CategoryEntry[] {
  const file = join(root, 'metadata.json');
  const text = tree.readText(file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PnetError('BAD_INPUT', `metadata is not valid JSON: ${(e as Error).message}`, { file });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PnetError('BAD_INPUT', 'metadata must be an object of categories', { file });
  }
  return Object.entries(raw as Record<string, unknown>).map(([name, value]) => {
    const v = value as { directory?: unknown; lables?: unknown; labels?: unknown; colors?: unknown };
    // The seed's metadata spells the key "lables"; accept the correct spelling too.
    const parts = v?.labels ?? v?.lables;
    if (typeof v?.directory !== 'string' || !Array.isArray(parts) || !parts.every((p) => typeof p === 'string')) {
      throw new PnetError('BAD_INPUT', `category "${name}" needs "directory" and "lables" (or "labels") entries`, {
        file,
      });
    }
    const colors = Array.isArray(v.colors) ? v.colors.map((c) => (typeof c === 'string' ? c : undefined)) : [];
    return { name, directory: v.directory, parts: parts as string[], colors };
  });
}

function readSynsets(tree: FileTree, root: string): Array<{ name: string; directory: string }> {
  const file = join(root, 'synsetoffset2category.txt');
  return tree
    .readText(file)
    .split('\n')
    .map((l, i) => ({ tokens: l.trim().split(/\s+/), line: i + 1 }))
    .filter((r) => r.tokens[0] !== '')
    .map(({ tokens, line }) => {
      if (tokens.length !== 2) throw new PnetError('BAD_INPUT', 'expected "<Category> <synset>"', { file, line });
      return { name: tokens[0]!, directory: tokens[1]! };
    });
}

/** The category a synset folder holds, from the metadata beside it; see layout.ts's categoryOfSynsetFolder. */
export function categoryOfSynsetFolderIn(tree: FileTree, synsetDir: string): string | undefined {
  const root = dirname(synsetDir);
  const synset = basename(synsetDir);
  const readers = [
    () => (tree.exists(join(root, 'metadata.json')) ? readMetadata(tree, root) : []),
    () => (tree.exists(join(root, 'synsetoffset2category.txt')) ? readSynsets(tree, root) : []),
  ];
  for (const read of readers) {
    try {
      const hit = read().find((c) => c.directory === synset);
      if (hit) return hit.name;
    } catch {
      // An unreadable file only means the category is not known from the path.
    }
  }
  return undefined;
}

/** Picks the requested categories (case-insensitive), or all when none are named. */
function selectCategories<T extends { name: string }>(all: T[], wanted: string[] | undefined, file: string): T[] {
  if (!wanted || wanted.length === 0) return all;
  return wanted.map((w) => {
    const hit = all.find((c) => c.name.toLowerCase() === w.toLowerCase());
    if (!hit) {
      throw new PnetError(
        'BAD_ARGUMENT',
        `no category "${w}" in this dataset; it has: ${all.map((c) => c.name).join(', ')}`,
        {
          file,
        },
      );
    }
    return hit;
  });
}

/** One category: its parts then `none`. Several: `Category/part` for each, one shared `none` last (if used). */
function classTable(
  cats: Array<{ name: string; parts: string[]; colors: (string | undefined)[] }>,
  withNone: boolean,
): ClassTable {
  const names: string[] = [];
  const colors: string[] = [];
  const partsOf: Record<string, number[]> = {};
  for (const c of cats) {
    partsOf[c.name] = [];
    c.parts.forEach((p, i) => {
      partsOf[c.name]!.push(names.length);
      colors.push(toHexColor(c.colors[i], names.length));
      names.push(cats.length === 1 ? p : `${c.name}/${p}`);
    });
  }
  if (withNone) {
    names.push('none');
    colors.push(NONE_COLOR);
  }
  return { names, colors, partsOf };
}

function listFiles(tree: FileTree, dir: string, ext: string): string[] {
  if (!tree.exists(dir)) return [];
  return tree
    .list(dir)
    .filter((f) => f.endsWith(ext))
    .sort();
}

export function indexDatasetIn(tree: FileTree, dir: string, categories?: string[]): DatasetIndex {
  return indexFoundDataset(tree, detectDatasetFormatIn(tree, dir), categories);
}

/** The index of a dataset already found (by detectDatasetFormatIn or findDatasetFormatIn). */
export function indexFoundDataset(
  tree: FileTree,
  { format, root }: { format: DatasetFormat; root: string },
  categories?: string[],
): DatasetIndex {
  return format === 'partannotation'
    ? indexPartAnnotation(tree, root, categories)
    : indexBenchmark(tree, root, format, categories);
}

function indexPartAnnotation(tree: FileTree, root: string, wanted?: string[]): DatasetIndex {
  const cats = selectCategories(readMetadata(tree, root), wanted, join(root, 'metadata.json'));
  const classes = classTable(cats, true);
  const problems: DataProblem[] = [];
  const sources: CloudSource[] = [];
  for (const c of cats) {
    const base = join(root, c.directory);
    const pointsDir = join(base, 'points');
    if (!tree.exists(pointsDir)) {
      problems.push({ file: pointsDir, message: `category ${c.name}: points folder is missing` });
      continue;
    }
    const partDirs = c.parts.map((p, i) => ({
      dir: join(base, 'points_label', p),
      classIndex: classes.partsOf[c.name]![i]!,
    }));
    const present = partDirs.map((p) => new Set(listFiles(tree, p.dir, '.seg')));
    for (const f of listFiles(tree, pointsDir, '.pts')) {
      const id = stem(f, '.pts');
      const files = partDirs
        .map((p, i) => ({
          classIndex: p.classIndex,
          file: join(p.dir, `${id}.seg`),
          has: present[i]!.has(`${id}.seg`),
        }))
        .filter((p) => p.has)
        .map(({ classIndex, file }) => ({ classIndex, file }));
      sources.push({
        id,
        category: c.name,
        pointsFile: join(pointsDir, f),
        labels: files.length === 0 ? { kind: 'none' } : { kind: 'part-files', files },
      });
    }
  }
  return { root, format: 'partannotation', categories: cats.map((c) => c.name), classes, sources, problems };
}

function indexBenchmark(tree: FileTree, root: string, format: DatasetFormat, wanted?: string[]): DatasetIndex {
  const synFile = join(root, 'synsetoffset2category.txt');
  const cats = selectCategories(readSynsets(tree, root), wanted, synFile);
  const problems: DataProblem[] = [];
  const withParts = cats.map((c) => {
    const known = benchmarkParts(c.name);
    if (!known) throw new PnetError('BAD_INPUT', `unknown benchmark category "${c.name}"`, { file: synFile });
    return { ...c, known, parts: [...known.names], colors: [] };
  });
  const classes = classTable(withParts, false);
  const sources: CloudSource[] = [];
  for (const c of withParts) {
    const base = join(root, c.directory);
    const classOffset = classes.partsOf[c.name]![0]!;
    if (!tree.exists(base)) {
      problems.push({ file: base, message: `category ${c.name}: folder ${c.directory} is missing` });
      continue;
    }
    if (format === 'benchmark') {
      for (const f of listFiles(tree, join(base, 'points'), '.pts')) {
        const id = stem(f, '.pts');
        const seg = join(base, 'points_label', `${id}.seg`);
        sources.push({
          id,
          category: c.name,
          pointsFile: join(base, 'points', f),
          labels: tree.exists(seg)
            ? { kind: 'id-file', file: seg, firstId: 1, count: c.known.count, classOffset }
            : { kind: 'none' },
        });
      }
    } else {
      for (const f of listFiles(tree, base, '.txt')) {
        sources.push({
          id: stem(f, '.txt'),
          category: c.name,
          pointsFile: join(base, f),
          labels: { kind: 'embedded', firstId: c.known.first, count: c.known.count, classOffset },
        });
      }
    }
  }
  const officialSplit = readOfficialSplit(
    tree,
    root,
    new Set(sources.map((s) => s.id)),
    new Set(cats.map((c) => c.directory)),
    problems,
  );
  return { root, format, categories: cats.map((c) => c.name), classes, sources, officialSplit, problems };
}

/** Reads train_test_split/shuffled_*_file_list.json; names of absent clouds and duplicates become problems. */
function readOfficialSplit(
  tree: FileTree,
  root: string,
  ids: Set<string>,
  synsets: Set<string>,
  problems: DataProblem[],
): DatasetIndex['officialSplit'] {
  const dir = join(root, 'train_test_split');
  if (!tree.exists(dir)) return undefined;
  const split = { train: [] as string[], val: [] as string[], test: [] as string[] };
  for (const part of ['train', 'val', 'test'] as const) {
    const file = join(dir, `shuffled_${part}_file_list.json`);
    if (!tree.exists(file)) continue;
    let list: unknown;
    try {
      list = JSON.parse(tree.readText(file));
    } catch (e) {
      const message = isPnetError(e) ? e.message : `split list is not valid JSON: ${(e as Error).message}`;
      problems.push({ file, message });
      continue;
    }
    if (!Array.isArray(list)) {
      problems.push({ file, message: 'split list must be a JSON array' });
      continue;
    }
    const seen = new Set<string>();
    for (const entry of list) {
      const [, synset, id] = String(entry).split('/');
      if (!synset || !id || !synsets.has(synset)) continue; // another category
      if (seen.has(id)) {
        problems.push({ file, message: `split lists ${entry} more than once` });
        continue;
      }
      seen.add(id);
      if (!ids.has(id)) {
        problems.push({ file, message: `split names ${entry}, which is not in the dataset` });
        continue;
      }
      split[part].push(id);
    }
  }
  return split;
}
