/**
 * Verified, all-or-nothing zip extraction.
 *
 * Entries are written into a hidden `.extract-<random>` folder beside the destination, each one's CRC32 checked
 * against the central directory as it streams; only when every entry checked out are the archive's top-level
 * folders renamed into place. A corrupt or hostile archive therefore leaves nothing behind.
 */
import { pathExists } from '../core/node/path-exists.ts';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { PnetError } from '../core/errors.ts';
import { createProgress, type Progress } from '../core/node/progress.ts';
import { SKIPPED_PREFIX, entryPath, isUnsafeEntryPath, unsafeEntryError } from './zip-entry.ts';

export interface ExtractOptions {
  /** Replace top-level folders that already exist in the destination. */
  force?: boolean;
  signal?: AbortSignal;
  /** Allow a progress bar (still off where progress.ts draws none: stderr not a TTY, or CI). Default true. */
  progress?: boolean;
}

export interface ExtractResult {
  /** Absolute paths of the top-level files and folders now in the destination. */
  topLevel: string[];
  files: number;
  bytes: number;
}

/**
 * Top-level names are what lands in --dest: a dot-name there (`.git/`, `.ssh/`, pnet's own `.extract-…`) would
 * replace a repository's or a tool's hidden folder, and no dataset archive has one, so it is refused.
 */
function checkTopLevel(archive: string, fileName: string, path: string): string {
  const top = path.split('/')[0]!;
  if (top.startsWith('.')) {
    throw new PnetError('BAD_INPUT', `the archive has a hidden top-level entry ${top} (${fileName}); refusing it`, {
      file: archive,
      remedy:
        "a dataset archive holds its folders at the top; use one that does not put files in --dest's hidden folders",
    });
  }
  return top;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** Extracts `archive` into `destDir`, atomically per top-level entry; see the module comment. */
export async function extractZipAtomically(
  archive: string,
  destDir: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const dest = resolve(destDir);
  await mkdir(dest, { recursive: true });
  const staging = join(dest, `.extract-${randomBytes(6).toString('hex')}`);
  await mkdir(staging);
  try {
    const counts = await extractInto(archive, staging, options);
    const names = await readdir(staging);
    if (names.length === 0) {
      throw new PnetError('DOWNLOAD_FAILED', 'the archive contains no files', {
        file: archive,
        remedy: `delete ${archive} and rerun, or pass --url with the right archive`,
      });
    }
    await moveIntoPlace(staging, dest, names, options.force ?? false);
    return { topLevel: names.map((name) => join(dest, name)), ...counts };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Renames every staged top-level entry into `dest`; checks all conflicts first so it never stops half-way. */
async function moveIntoPlace(staging: string, dest: string, names: string[], force: boolean): Promise<void> {
  const existing: string[] = [];
  for (const name of names) if (await pathExists(join(dest, name))) existing.push(name);
  if (existing.length > 0 && !force) {
    throw new PnetError('BAD_ARGUMENT', `${join(dest, existing[0]!)} already exists`, {
      file: join(dest, existing[0]!),
      remedy: 'pass --force to replace it, or choose another destination',
    });
  }
  for (const name of names) {
    const target = join(dest, name);
    if (existing.includes(name)) {
      // Move the old copy aside first so the new one appears in one rename.
      const aside = join(dest, `.replaced-${randomBytes(6).toString('hex')}`);
      await rename(target, aside);
      await rename(join(staging, name), target);
      await rm(aside, { recursive: true, force: true });
    } else {
      await rename(join(staging, name), target);
    }
  }
}

async function extractInto(
  archive: string,
  staging: string,
  options: ExtractOptions,
): Promise<{ files: number; bytes: number }> {
  const zip = await openZip(archive);
  const bar = startEntryBar(zip.entryCount, options.progress ?? true);
  const madeDirs = new Set<string>([staging]);
  let files = 0;
  let bytes = 0;

  const ensureDir = async (dir: string, name: string) => {
    if (madeDirs.has(dir)) return;
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A file entry already holds a name this entry needs as a folder: say so in the archive's own names.
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new PnetError('BAD_INPUT', `the archive has a file where ${name} needs a folder`, {
          file: archive,
          remedy: 'use an archive in which no file shares its name with a folder',
        });
      }
      throw entryError(archive, name, e);
    }
    madeDirs.add(dir);
  };

  const handle = async (entry: yauzl.Entry) => {
    if (options.signal?.aborted) {
      throw new PnetError('INTERRUPTED', 'extraction was interrupted', {
        file: archive,
        remedy: 'rerun the same command (the downloaded archive is kept)',
      });
    }
    const name = entry.fileName;
    const path = entryPath(name);
    if (path === '' || path.startsWith(SKIPPED_PREFIX)) return;
    checkTopLevel(archive, name, path);
    const target = safeTarget(staging, path, archive);
    if (path.endsWith('/')) {
      await ensureDir(target, name);
      return;
    }
    if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
      throw new PnetError('BAD_INPUT', `the archive contains a symbolic link (${name}); refusing to extract it`, {
        file: archive,
        remedy: 'use an archive without symbolic links',
      });
    }
    if (entry.isEncrypted()) {
      throw new PnetError('BAD_INPUT', `the archive has an encrypted entry (${name})`, {
        file: archive,
        remedy: 'use an unencrypted archive',
      });
    }
    await ensureDir(dirname(target), name);
    let crc = 0;
    let size = 0;
    const checksum = new Transform({
      transform(chunk: Buffer, _enc, done) {
        crc = zlib.crc32(chunk, crc);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      const stream = await zip.openReadStreamPromise(entry);
      // 'wx': a second entry with the same name must not silently overwrite the first.
      await pipeline(stream, checksum, createWriteStream(target, { flags: 'wx' }));
    } catch (e) {
      throw entryError(archive, name, e, (await stat(target).catch(() => undefined))?.isDirectory() ?? false);
    }
    if (crc >>> 0 !== entry.crc32 >>> 0) {
      throw corrupt(archive, `CRC mismatch in ${name}`);
    }
    files += 1;
    bytes += size;
  };

  try {
    await new Promise<void>((resolvePromise, reject) => {
      let settled = false;
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        zip.close();
        reject(e);
      };
      zip.on('error', (e: Error) => fail(archiveError(archive, e)));
      zip.on('end', () => {
        if (settled) return;
        settled = true;
        resolvePromise();
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        handle(entry).then(() => {
          bar?.increment();
          if (!settled) zip.readEntry();
        }, fail);
      });
      zip.readEntry();
    });
  } finally {
    bar?.stop();
  }
  return { files, bytes };
}

function openZip(archive: string): Promise<yauzl.ZipFile> {
  return new Promise((resolvePromise, reject) => {
    yauzl.open(archive, { lazyEntries: true, validateEntrySizes: true, autoClose: true }, (err, zip) => {
      if (err) reject(archiveError(archive, err));
      else resolvePromise(zip);
    });
  });
}

/** Resolves an entry name inside `staging`, refusing names that would land outside it (zip-slip). */
function safeTarget(staging: string, name: string, archive: string): string {
  const target = resolve(staging, name);
  if (isUnsafeEntryPath(name) || !target.startsWith(staging + sep)) throw unsafeEntryError(archive, name);
  return target;
}

function corrupt(archive: string, detail: string): PnetError {
  return new PnetError('DOWNLOAD_FAILED', `the archive is corrupt (${detail})`, {
    file: archive,
    remedy: `delete ${archive} and rerun`,
  });
}

/** yauzl reports unsafe names, bad central directories and size mismatches as plain Errors; name them. */
function archiveError(archive: string, e: Error): PnetError {
  if (e instanceof PnetError) return e;
  if (/^(absolute path|invalid relative path|invalid characters in fileName)/.test(e.message)) {
    return unsafeEntryError(archive, e.message);
  }
  if (/central directory|signature not found|end of central/i.test(e.message)) {
    return new PnetError('DOWNLOAD_FAILED', `not a readable zip archive (${e.message})`, {
      file: archive,
      remedy: `delete ${archive} and rerun`,
      cause: e,
    });
  }
  return corrupt(archive, e.message);
}

/** An entry's failure in the archive's own names: the staging folder is never named (the user never saw it). */
function entryError(archive: string, name: string, e: unknown, isFolder = false): PnetError {
  if (e instanceof PnetError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EEXIST' || err.code === 'EISDIR') {
    return new PnetError(
      'BAD_INPUT',
      isFolder ? `the archive has a folder where ${name} is a file` : `the archive lists ${name} twice`,
      { file: archive, remedy: `delete ${archive} and rerun` },
    );
  }
  if (err.code === 'ENOSPC') {
    return new PnetError('DOWNLOAD_FAILED', `the disk filled up while extracting ${archive}`, {
      file: archive,
      remedy: 'free some space and rerun (the downloaded archive is kept)',
    });
  }
  return corrupt(archive, `${name}: ${err.code ?? err.message ?? String(e)}`);
}

function startEntryBar(total: number, requested: boolean): Progress | undefined {
  return requested
    ? createProgress('extract ', total, '{bar} {percentage}% | {value}/{total} entries | ETA {eta_formatted}')
    : undefined;
}

/** The archive's top-level names (first path segment of every entry), read from its central directory only. */
export async function zipTopLevelNames(archive: string): Promise<string[]> {
  const zip = await openZip(archive);
  const names = new Set<string>();
  await new Promise<void>((resolvePromise, reject) => {
    zip.on('error', (e: Error) => reject(archiveError(archive, e)));
    zip.on('end', () => resolvePromise());
    zip.on('entry', (entry: yauzl.Entry) => {
      const path = entryPath(entry.fileName);
      try {
        if (path !== '' && !path.startsWith(SKIPPED_PREFIX)) names.add(checkTopLevel(archive, entry.fileName, path));
      } catch (e) {
        zip.close();
        reject(e);
        return;
      }
      zip.readEntry();
    });
    zip.readEntry();
  });
  zip.close();
  return [...names].sort();
}
