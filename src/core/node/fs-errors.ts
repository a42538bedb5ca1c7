/** Node's file-system errors as one-line PnetErrors that name the path, instead of stack traces. */
import { PnetError } from '../errors.ts';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EEXIST: 'already exists',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  EBUSY: 'busy',
  EXDEV: 'cannot rename across file systems',
};

export function isFsError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return (
    e instanceof Error &&
    typeof (e as NodeJS.ErrnoException).code === 'string' &&
    typeof (e as NodeJS.ErrnoException).syscall === 'string'
  );
}

/** `cannot <verb>: <reason> (<CODE>)`, naming `file` (or the path the error carries). */
export function fsErrorToPnet(e: NodeJS.ErrnoException & { code: string }, verb?: string, file?: string): PnetError {
  const what = verb ?? (e.syscall ? `${e.syscall}` : 'access');
  const reason = REASONS[e.code] ?? e.code;
  return new PnetError('FILE_ERROR', `cannot ${what}: ${reason} (${e.code})`, { file: file ?? e.path, cause: e });
}
