/**
 * A read-only folder of dataset files: all that indexing a layout and parsing its clouds touch, so the CLI (the file
 * system, node-file-tree.ts) and a web page (dropped files or a .zip in memory, memory-file-tree.ts) run the same
 * reader. Paths are '/'-separated and built with tree-path.ts; they are the paths errors and problems name.
 */
export interface FileTree {
  /** Whether a file or folder is at `path`. */
  exists(path: string): boolean;
  /** Whether `path` is a folder; false when nothing is there. */
  isDirectory(path: string): boolean;
  /** Names of the entries of folder `dir`, files and folders, sorted by name; a FILE_ERROR when it is none. */
  list(dir: string): string[];
  /** The whole file as UTF-8 text; a BAD_INPUT naming the file when it cannot be read. */
  readText(file: string): string;
}
