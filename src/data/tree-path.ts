/**
 * '/'-separated paths for a FileTree, with node:path's POSIX results (tests/data/tree-path.test.ts compares them),
 * so a dataset read from disk names the very paths it named before, and the browser can build the same ones.
 */

/** node:path.posix.normalize: `.` and `..` resolved, repeated slashes collapsed, a trailing slash kept. */
export function normalize(path: string): string {
  if (path === '') return '.';
  const absolute = path.startsWith('/');
  const trailing = path.endsWith('/');
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') out.push(segment);
    else if (out.length > 0 && out.at(-1) !== '..') out.pop();
    else if (!absolute) out.push('..');
  }
  const joined = out.join('/');
  if (joined === '') return absolute ? '/' : trailing ? './' : '.';
  return `${absolute ? '/' : ''}${joined}${trailing ? '/' : ''}`;
}

/** node:path.posix.join: the non-empty parts joined with '/', then normalised. */
export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  return joined === '' ? '.' : normalize(joined);
}

/** node:path.posix.basename without a suffix: the last segment, trailing slashes ignored. */
export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** A file name without its extension; the name itself when it does not end with it. */
export function stem(name: string, extension: string): string {
  return name.endsWith(extension) ? name.slice(0, name.length - extension.length) : name;
}

/** node:path.posix.dirname, down to its quirks: only the last separator before the base name is dropped. */
export function dirname(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  let end = -1;
  let inTrailingSlashes = true;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] !== '/') inTrailingSlashes = false;
    else if (!inTrailingSlashes) {
      end = i;
      break;
    }
  }
  if (end === -1) return rooted ? '/' : '.';
  if (rooted && end === 1) return '//';
  return path.slice(0, end);
}
