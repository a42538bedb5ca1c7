/**
 * Maps a request path to a file inside one served folder, and nothing outside it: `..` segments, encoded
 * separators, NUL bytes and symlinks that lead out of the folder are all refused.
 */
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

export type StaticLookup =
  | { kind: 'file'; path: string; size: number; mtime: Date }
  /** A folder asked for without the trailing slash that makes relative links in its index.html work. */
  | { kind: 'redirect'; location: string }
  | { kind: 'bad-request' }
  | { kind: 'not-found' };

/** `root` must be an absolute, real (symlink-free) path. `urlPath` is the raw path of the request URL. */
export async function lookupStatic(root: string, urlPath: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'bad-request' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'bad-request' };
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { kind: 'not-found' };
  // Dot-files (build stamps, editor files) are not part of the site.
  if (segments.some((s) => s.startsWith('.'))) return { kind: 'not-found' };
  let candidate = join(root, ...segments);
  let info = await stat(candidate).catch(() => undefined);
  if (info?.isDirectory()) {
    // A folder is served only through its index.html: there is no directory listing.
    const index = join(candidate, 'index.html');
    const indexInfo = await stat(index).catch(() => undefined);
    if (!indexInfo?.isFile()) return { kind: 'not-found' };
    // Rebuilt from the segments: echoing the request (`//demo`) would give `//demo/`, which a browser reads as
    // the host `demo`.
    if (!urlPath.endsWith('/'))
      return { kind: 'redirect', location: `/${segments.map(encodeURIComponent).join('/')}/` };
    candidate = index;
    info = indexInfo;
  }
  if (!info?.isFile()) return { kind: 'not-found' };
  const real = await realpath(candidate).catch(() => undefined);
  if (!real || !(real === root || real.startsWith(root + sep))) return { kind: 'not-found' };
  return { kind: 'file', path: real, size: info.size, mtime: info.mtime };
}
