/**
 * Files held in memory (a folder dropped into a web page, a .zip's entries) as a FileTree, keyed by their
 * '/'-separated paths relative to what was dropped; folders are implied by those paths. Browser-safe.
 */
import { PnetError, quote } from '../core/errors.ts';
import type { FileTree } from './file-tree.ts';
import { normalize } from './tree-path.ts';

// Node's readFileSync(…, 'utf8') keeps a byte-order mark, so a cloud parses here exactly as it does from disk.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** A path as the tree keys it: normalised, without a trailing slash; the top folder is '.'. */
function keyOf(path: string): string {
  const key = normalize(path);
  return key.length > 1 && key.endsWith('/') ? key.slice(0, -1) : key;
}

/**
 * A tree over `files` (path → bytes). A path that is absolute or climbs out with `..`, two keys for one path, or a
 * path that is a file and a folder at once is a BAD_INPUT naming it: the tree would otherwise be ambiguous. A key
 * ending in '/' is an empty folder.
 */
export function memoryFileTree(files: ReadonlyMap<string, Uint8Array>): FileTree {
  const contents = new Map<string, Uint8Array>();
  const children = new Map<string, Set<string>>([['.', new Set()]]);
  const addFolder = (folder: string): void => {
    if (children.has(folder)) return;
    children.set(folder, new Set());
    const slash = folder.lastIndexOf('/');
    const parent = slash === -1 ? '.' : folder.slice(0, slash);
    addFolder(parent);
    children.get(parent)!.add(folder.slice(slash + 1));
  };
  for (const [path, bytes] of files) {
    const key = keyOf(path);
    if (key.startsWith('/') || key === '..' || key.startsWith('../')) {
      throw new PnetError('BAD_INPUT', `the path ${quote(path)} is not inside the dataset`, { file: path });
    }
    if (path.endsWith('/')) {
      if (key !== '.') addFolder(key);
      continue;
    }
    if (key === '.') throw new PnetError('BAD_INPUT', `the path ${quote(path)} names no file`, { file: path });
    if (contents.has(key)) throw new PnetError('BAD_INPUT', `the file ${quote(key)} is given twice`, { file: path });
    contents.set(key, bytes);
    const slash = key.lastIndexOf('/');
    const parent = slash === -1 ? '.' : key.slice(0, slash);
    addFolder(parent);
    children.get(parent)!.add(key.slice(slash + 1));
  }
  for (const key of contents.keys()) {
    if (children.has(key)) throw new PnetError('BAD_INPUT', 'this path is both a file and a folder', { file: key });
  }
  return {
    exists: (path) => {
      const key = keyOf(path);
      return contents.has(key) || children.has(key);
    },
    isDirectory: (path) => children.has(keyOf(path)),
    list(dir) {
      const names = children.get(keyOf(dir));
      if (!names) {
        const why = contents.has(keyOf(dir)) ? 'it is a file, not a folder' : 'no such folder';
        throw new PnetError('FILE_ERROR', `cannot list the folder: ${why}`, { file: dir });
      }
      return [...names].sort();
    },
    readText(file) {
      const bytes = contents.get(keyOf(file));
      if (!bytes) {
        const why = children.has(keyOf(file)) ? 'it is a folder, not a file' : 'no such file';
        throw new PnetError('BAD_INPUT', `cannot read: ${why}`, { file });
      }
      return utf8.decode(bytes);
    },
  };
}
