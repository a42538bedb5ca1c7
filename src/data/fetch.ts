/**
 * `pnet data fetch`: download the ShapeNet part-annotation archive, verify it, extract it.
 *
 * Steps, each safe to interrupt: resumable download into `DEST/shapenet.zip.part` → rename to `DEST/shapenet.zip`
 * once the byte count is right → optional sha256 check → CRC-checked extraction into a hidden folder, renamed to
 * `DEST/PartAnnotation` only when every entry verified.
 *
 * `from` takes an archive the user already has (any of the ShapeNet part archives) through the same checks and the
 * same extraction into DEST; the user's file is only read, never moved or deleted. Neither way unpacks over files
 * a git repository tracks.
 */
import { pathExists } from '../core/node/path-exists.ts';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PnetError } from '../core/errors.ts';
import { downloadResumable, formatBytes, sidecarPath } from './download.ts';
import { extractZipAtomically, zipTopLevelNames } from './extract-zip.ts';
import { firstTrackedFile, inWorkTreeNotIgnored } from './tracked-files.ts';

/** The archive the Keras PointNet segmentation example uses (a short link that redirects to the zip). */
export const SHAPENET_URL = 'https://git.io/JiY4i';
export const SHAPENET_ARCHIVE = 'shapenet.zip';
/** The archive's top-level folder. */
export const SHAPENET_FOLDER = 'PartAnnotation';

export interface FetchDatasetOptions {
  /** Default {@link SHAPENET_URL}. */
  url?: string;
  /** A zip the user already has: verified and extracted instead of downloading (not with `url`). */
  from?: string;
  /** Folder that receives `shapenet.zip` and the extracted `PartAnnotation/`. */
  dest: string;
  /** Expected sha256 of the archive (hex); checked before extraction when given. */
  sha256?: string;
  /** Allow progress bars (still off where progress.ts draws none: stderr not a TTY, or CI). Default true. */
  progress?: boolean;
  signal?: AbortSignal;
  /** Download and extract again even when the folder or the archive is already there. */
  force?: boolean;
  /** Where status lines go. Default: stderr. */
  log?: (line: string) => void;
}

export interface FetchDatasetResult {
  /** Absolute path of the downloaded archive (or of the user's, with `from`). */
  archive: string;
  /** Absolute path of the extracted dataset folder (`DEST/PartAnnotation`). */
  extractedTo: string;
  /** Archive size in bytes (0 when skipped and the archive is gone). */
  bytes: number;
  /** True when bytes from an interrupted earlier download were reused. */
  resumed: boolean;
  /** True when the folder was already there and nothing was done. */
  skipped: boolean;
}

export async function fetchDataset(options: FetchDatasetOptions): Promise<FetchDatasetResult> {
  if (options.from !== undefined) return extractLocalArchive({ ...options, from: options.from });
  const url = options.url ?? SHAPENET_URL;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const expectedSha = normaliseSha256(options.sha256);
  const dest = resolve(options.dest);
  const archive = join(dest, SHAPENET_ARCHIVE);
  const part = `${archive}.part`;
  const folder = join(dest, SHAPENET_FOLDER);
  const force = options.force ?? false;

  if (!force && (await pathExists(folder))) {
    log(`${folder} already exists; skipping the download (pass --force to fetch it again)`);
    return { archive, extractedTo: folder, bytes: await sizeOf(archive), resumed: false, skipped: true };
  }
  refuseTrackedTargets([folder]);
  await mkdir(dest, { recursive: true });
  if (force) {
    await rm(archive, { force: true });
    await rm(part, { force: true });
    await rm(sidecarPath(part), { force: true });
  }

  let resumed = false;
  if (await pathExists(archive)) {
    // A complete download from an earlier run whose extraction did not finish: no need to fetch it again.
    log(`using the archive already downloaded at ${archive}`);
  } else {
    const had = await sizeOf(part);
    log(had > 0 ? `resuming ${url} at ${formatBytes(had)} → ${part}` : `downloading ${url} → ${part}`);
    const download = await downloadResumable({
      url,
      partPath: part,
      signal: options.signal,
      progress: options.progress,
    });
    resumed = download.resumed;
    await rename(part, archive);
    await rm(sidecarPath(part), { force: true });
  }
  const bytes = await sizeOf(archive);

  if (expectedSha)
    await verifySha256(archive, expectedSha, `delete ${archive} and rerun (or check the expected --sha256 value)`, log);

  const extracted = await extractZipAtomically(archive, dest, {
    force,
    signal: options.signal,
    progress: options.progress,
  });
  const extractedTo = extracted.topLevel.includes(folder)
    ? folder
    : extracted.topLevel.length === 1
      ? extracted.topLevel[0]!
      : dest;
  if (extractedTo !== folder) {
    log(`note: the archive has no top-level ${SHAPENET_FOLDER}/ folder; its contents are in ${extractedTo}`);
  }
  log(`extracted ${extracted.files} files (${formatBytes(extracted.bytes)}) into ${extractedTo}`);
  return { archive, extractedTo, bytes, resumed, skipped: false };
}

/** `--from FILE.zip`: the download path's checks and extraction, on an archive the user already has. */
async function extractLocalArchive(options: FetchDatasetOptions & { from: string }): Promise<FetchDatasetResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (options.url !== undefined) {
    throw new PnetError('BAD_ARGUMENT', '--from and --url both name an archive; pass one of them');
  }
  const expectedSha = normaliseSha256(options.sha256);
  const archive = resolve(options.from);
  const info = await stat(archive).catch(() => undefined);
  if (!info)
    throw new PnetError('NOT_FOUND', 'no such archive', {
      file: archive,
      remedy: 'pass the path of a .zip you have with --from',
    });
  if (!info.isFile()) throw new PnetError('BAD_ARGUMENT', 'not a file; --from takes a .zip archive', { file: archive });
  const dest = resolve(options.dest);
  const force = options.force ?? false;
  // The user's copy is theirs: a damaged one is reported, never deleted.
  const keepIt = `the archive is left as it is; get a fresh copy of it (see README "Data")`;
  const names = await zipTopLevelNames(archive).catch((e: unknown) => {
    throw withRemedy(e, keepIt);
  });
  if (names.length === 0)
    throw new PnetError('BAD_INPUT', 'the archive contains no files', { file: archive, remedy: keepIt });
  const targets = names.map((n) => join(dest, n));
  const single = targets.length === 1 ? targets[0]! : dest;
  if (!force && (await Promise.all(targets.map(pathExists))).every(Boolean)) {
    log(`${single} already exists; nothing to extract (pass --force to extract it again)`);
    return { archive, extractedTo: single, bytes: info.size, resumed: false, skipped: true };
  }
  refuseTrackedTargets(targets);
  if (expectedSha)
    await verifySha256(
      archive,
      expectedSha,
      `check the expected --sha256 value, or get a fresh copy of ${archive}`,
      log,
    );
  log(`extracting ${archive} (${formatBytes(info.size)}) → ${dest}`);
  await mkdir(dest, { recursive: true });
  const extracted = await extractZipAtomically(archive, dest, {
    force,
    signal: options.signal,
    progress: options.progress,
  }).catch((e: unknown) => {
    throw withRemedy(e, keepIt);
  });
  log(`extracted ${extracted.files} files (${formatBytes(extracted.bytes)}) into ${single}`);
  return { archive, extractedTo: single, bytes: info.size, resumed: false, skipped: false };
}

/** Replaces a "delete the archive" remedy: that advice is for downloads, not for a file the user brought. */
function withRemedy(e: unknown, remedy: string): unknown {
  if (!(e instanceof PnetError) || !/delete /.test(e.remedy ?? '')) return e;
  return new PnetError(e.code, e.message, { file: e.file, line: e.line, remedy, cause: e });
}

/** Refuses to extract onto anything a git repository tracks; notes a target git would show as untracked. */
function refuseTrackedTargets(targets: string[]): void {
  for (const target of targets) {
    const tracked = firstTrackedFile(target);
    if (tracked) {
      throw new PnetError('BAD_ARGUMENT', `extracting here would overwrite ${tracked}, a file tracked by git`, {
        file: target,
        remedy: 'choose a --dest outside the tracked tree (e.g. a git-ignored data/ folder)',
      });
    }
  }
  if (targets.some(inWorkTreeNotIgnored)) {
    process.stderr.write(
      `note: ${dirname(targets[0]!)} is inside a git work tree and not ignored; add it to .gitignore so the data is never committed\n`,
    );
  }
}

async function verifySha256(
  archive: string,
  expected: string,
  remedy: string,
  log: (line: string) => void,
): Promise<void> {
  const actual = await sha256Of(archive);
  if (actual !== expected) {
    throw new PnetError('DOWNLOAD_FAILED', `sha256 mismatch: the archive's is ${actual}, expected ${expected}`, {
      file: archive,
      remedy,
    });
  }
  log(`sha256 verified (${actual})`);
}

function normaliseSha256(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const hex = value.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new PnetError('BAD_ARGUMENT', `--sha256 must be 64 hex digits, got "${value}"`, {
      remedy: 'pass the archive checksum as printed by `sha256sum`',
    });
  }
  return hex;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
