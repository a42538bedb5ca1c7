/** One CloudSource from the file system into a Cloud (tree-clouds.ts reads and checks it). */
import { nodeFileTree } from './node-file-tree.ts';
import type { CloudSource } from './layout.ts';
import { parseCloudIn } from './tree-clouds.ts';
import type { Cloud } from './types.ts';

/** Class index of points that belong to no part (PartAnnotation only): the last class. */
export function parseCloud(source: CloudSource, noneClass: number): Cloud {
  return parseCloudIn(nodeFileTree, source, noneClass);
}
