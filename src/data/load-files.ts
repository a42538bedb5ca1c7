/**
 * A dataset from files held in memory: a folder dropped into a web page, or a .zip's entries (read-zip.ts). The
 * reader of loadDataset over a memory tree, without its disk cache and progress bar; browser-safe (no Node module
 * anywhere in its imports).
 */
import { PnetError } from '../core/errors.ts';
import type { FileTree } from './file-tree.ts';
import { memoryFileTree } from './memory-file-tree.ts';
import { datasetOf, parseClouds } from './tree-clouds.ts';
import { NOT_A_DATASET, findDatasetFormatIn, indexFoundDataset, subfolders } from './tree-layout.ts';
import { join } from './tree-path.ts';
import type { Dataset, DatasetFormat } from './types.ts';

export interface LoadFilesOptions {
  /** Category names from the dataset's metadata (case-insensitive); all when omitted. */
  categories?: string[];
  /** The first bad file is fatal (PnetError with its file and line) instead of a skipped cloud. */
  strict?: boolean;
}

/**
 * Loads the dataset in `files` (a '/'-separated path relative to what was dropped → its bytes), in any layout
 * loadDataset reads. Paths in the clouds, problems and errors are those keys. Bad clouds are skipped and listed in
 * `problems` (or fatal with `strict`), exactly as loadDataset does.
 */
export function loadDatasetFromFiles(files: ReadonlyMap<string, Uint8Array>, options: LoadFilesOptions = {}): Dataset {
  const tree = memoryFileTree(files);
  const strict = options.strict ?? false;
  const index = indexFoundDataset(tree, findDataset(tree), options.categories);
  const parsed = parseClouds(tree, index.sources, index.classes.names.length - 1, { strict });
  return datasetOf(index, parsed, strict);
}

/** Folders that wrap nothing of a dataset's: macOS's resource forks and hidden folders. */
function isJunkFolder(name: string): boolean {
  return name === '__MACOSX' || name.startsWith('.');
}

/**
 * Looks where detectDatasetFormat looks, from the top of the files down through folders that only wrap one other
 * (a dropped `data/` holding `shapenetcore_partanno_segmentation_benchmark_v0/`): what was dropped is a folder the
 * user chose, not necessarily the dataset's own.
 */
function findDataset(tree: FileTree): { format: DatasetFormat; root: string } {
  if (tree.list('.').length === 0) throw new PnetError('BAD_INPUT', 'no files were given');
  let dir = '.';
  for (;;) {
    const found = findDatasetFormatIn(tree, dir);
    if (found) return found;
    const inner = subfolders(tree, dir).filter((d) => !isJunkFolder(d));
    if (inner.length !== 1) {
      throw new PnetError('BAD_INPUT', NOT_A_DATASET, {
        file: dir === '.' ? undefined : dir,
        remedy: 'give the folder a ShapeNet part archive extracts to (or the .zip itself), or one that holds it',
      });
    }
    dir = join(dir, inner[0]!);
  }
}
