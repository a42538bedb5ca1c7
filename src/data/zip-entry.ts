/**
 * Which zip entries are data and which are refused, for both readers of archives: extraction to disk
 * (extract-zip.ts, `pnet data fetch`) and reading in memory (read-zip.ts, the web page). Browser-safe.
 */
import { PnetError, bounded } from '../core/errors.ts';

/** macOS zip tools add resource-fork shadows under this folder; they are never data. */
export const SKIPPED_PREFIX = '__MACOSX/';

/**
 * An entry's path inside the archive: a leading `./` (some zip tools write `./PartAnnotation/…`) means the same
 * path without it. Empty for the archive's root itself.
 */
export function entryPath(fileName: string): string {
  return fileName.replace(/^(\.\/+)+/, '');
}

/** Absolute, drive-letter, `..` or backslash paths could land outside the folder the archive is read into. */
export function isUnsafeEntryPath(path: string): boolean {
  return path.startsWith('/') || /^[a-zA-Z]:/.test(path) || path.includes('\\') || path.split('/').includes('..');
}

export function unsafeEntryError(archive: string, detail: string): PnetError {
  return new PnetError('BAD_INPUT', `the archive has an entry that points outside its folder (${bounded(detail)})`, {
    file: archive,
    remedy: 'refusing to extract it; use an archive from a trusted source',
  });
}
