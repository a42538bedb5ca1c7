/** The file system as a FileTree: what the CLI and the Node API read datasets through. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fsErrorToPnet, isFsError } from '../core/node/fs-errors.ts';
import { readTextFile } from '../core/node/read-text.ts';
import type { FileTree } from './file-tree.ts';

export const nodeFileTree: FileTree = {
  exists: (path) => existsSync(path),
  isDirectory(path) {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false; // a dangling link or an unreadable entry is no folder to index
    }
  },
  list(dir) {
    try {
      // libuv already sorts the names (strcmp), so this is the order the memory tree gives too.
      return readdirSync(dir);
    } catch (e) {
      throw isFsError(e) ? fsErrorToPnet(e, 'list the folder', dir) : e;
    }
  },
  readText: readTextFile,
};
