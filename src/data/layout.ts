/**
 * The dataset layouts of tree-layout.ts on the file system: what the CLI and the Node API index. Paths in the
 * index, its problems and its errors are built from `dir` as given (absolute when `dir` is).
 */
import { nodeFileTree } from './node-file-tree.ts';
import { categoryOfSynsetFolderIn, detectDatasetFormatIn, indexDatasetIn, type DatasetIndex } from './tree-layout.ts';
import type { DatasetFormat } from './types.ts';

export type { CloudSource, DatasetIndex } from './tree-layout.ts';

export function detectDatasetFormat(dir: string): { format: DatasetFormat; root: string } {
  return detectDatasetFormatIn(nodeFileTree, dir);
}

/**
 * The category a synset folder holds, from the `metadata.json` (PartAnnotation) or `synsetoffset2category.txt`
 * (benchmark) beside it; undefined when neither names it or neither can be read (then the folder says nothing).
 */
export function categoryOfSynsetFolder(synsetDir: string): string | undefined {
  return categoryOfSynsetFolderIn(nodeFileTree, synsetDir);
}

export function indexDataset(dir: string, categories?: string[]): DatasetIndex {
  return indexDatasetIn(nodeFileTree, dir, categories);
}
