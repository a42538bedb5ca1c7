/**
 * Cloud files as the Node runtime takes them: INPUT arguments (files, directories, globs) expanded to cloud files
 * (a folder to its `.pts` and `.ply` files; a named file or pattern may also be a benchmark `.txt`), each read into
 * xyz with errors that name the file.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import fg from 'fast-glob';
import { walkCloudFiles } from './walk-clouds.ts';
import { PnetError } from '../../src/core/errors.ts';
import {
  CLOUD_FILE_EXTENSIONS,
  FOLDER_CLOUD_EXTENSIONS,
  hasExtension,
  parseCloudFile,
} from '../../src/core/formats/cloud-file.ts';

export interface ExpandedInputs {
  /** Cloud files, sorted, without duplicates. */
  files: string[];
  /** Inputs that matched nothing, as errors naming them (the other inputs still run). */
  problems: PnetError[];
}

const isCloudFile = (path: string) => hasExtension(path, CLOUD_FILE_EXTENSIONS);
const isFolderCloudFile = (path: string) => hasExtension(path, FOLDER_CLOUD_EXTENSIONS);

/** Expands files, directories (searched recursively) and glob patterns into cloud files. */
export async function expandCloudInputs(inputs: readonly string[]): Promise<ExpandedInputs> {
  const found = new Set<string>();
  const problems: PnetError[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (info?.isFile()) {
      if (isCloudFile(input)) found.add(input);
      else {
        problems.push(
          new PnetError(
            'BAD_INPUT',
            `unsupported file type "${extname(input) || '(no extension)'}"; expected ${CLOUD_FILE_EXTENSIONS.join(', ')}`,
            { file: input },
          ),
        );
      }
      continue;
    }
    let matches: string[] = [];
    if (info?.isDirectory()) {
      matches = await walkCloudFiles(input, isFolderCloudFile);
    } else if (fg.isDynamicPattern(input)) {
      // A glob does not descend into linked folders (a link loop would never end); linked files still match.
      const entries = await fg(input, { onlyFiles: false, followSymbolicLinks: false });
      const files = await Promise.all(
        entries
          .filter(isCloudFile)
          .map(async (m) => ((await stat(m).catch(() => undefined))?.isDirectory() ? undefined : m)),
      );
      matches = files.filter((m): m is string => m !== undefined);
    } else {
      problems.push(new PnetError('NOT_FOUND', 'no such file or directory', { file: input }));
      continue;
    }
    if (matches.length === 0) {
      const wanted = info?.isDirectory() ? FOLDER_CLOUD_EXTENSIONS : CLOUD_FILE_EXTENSIONS;
      problems.push(new PnetError('NOT_FOUND', `no ${wanted.join('/')} files match`, { file: input }));
    }
    for (const m of matches) found.add(m);
  }
  // The same file reached twice (e.g. `dir dir/a.pts`) runs once.
  const byPath = new Map<string, string>();
  for (const f of found) if (!byPath.has(resolve(f))) byPath.set(resolve(f), f);
  return { files: [...byPath.values()].sort(), problems };
}

/** Reads one cloud file into xyz (3 floats per point). Throws PnetError naming the file. */
export async function readCloudFile(file: string): Promise<Float32Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new PnetError('BAD_INPUT', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      file,
    });
  }
  return parseCloudFile(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
