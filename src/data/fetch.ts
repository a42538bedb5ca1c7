/**
 * `pnet data fetch`: download the ShapeNet part-annotation archive, verify it, extract it.
 *
 * Steps, each safe to interrupt: resumable download into `DEST/shapenet.zip.part` → rename to `DEST/shapenet.zip`
 * once the byte count is right → optional sha256 check → CRC-checked extraction into a hidden folder, renamed to
 * `DEST/PartAnnotation` only when every entry verified.
 */
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PnetError } from '../errors.ts';
import { downloadResumable, formatBytes, sidecarPath } from './download.ts';
import { extractZipAtomically } from './extract-zip.ts';

/** The archive the Keras PointNet segmentation example uses (a short link that redirects to the zip). */
export const SHAPENET_URL = 'https://git.io/JiY4i';
export const SHAPENET_ARCHIVE = 'shapenet.zip';
/** The archive's top-level folder. */
export const SHAPENET_FOLDER = 'PartAnnotation';

export interface FetchDatasetOptions {
  /** Default {@link SHAPENET_URL}. */
  url?: string;
  /** Folder that receives `shapenet.zip` and the extracted `PartAnnotation/`. */
  dest: string;
  /** Expected sha256 of the archive (hex); checked before extraction when given. */
  sha256?: string;
  /** Allow progress bars (still off when stderr is not a TTY or CI=true). Default true. */
  progress?: boolean;
  signal?: AbortSignal;
  /** Download and extract again even when the folder or the archive is already there. */
  force?: boolean;
  /** Where status lines go. Default: stderr. */
  log?: (line: string) => void;
}

export interface FetchDatasetResult {
  /** Absolute path of the downloaded archive. */
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
  const url = options.url ?? SHAPENET_URL;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const expectedSha = normaliseSha256(options.sha256);
  const dest = resolve(options.dest);
  const archive = join(dest, SHAPENET_ARCHIVE);
  const part = `${archive}.part`;
  const folder = join(dest, SHAPENET_FOLDER);
  const force = options.force ?? false;

  if (!force && (await exists(folder))) {
    log(`${folder} already exists; skipping the download (pass --force to fetch it again)`);
    return { archive, extractedTo: folder, bytes: await sizeOf(archive), resumed: false, skipped: true };
  }
  await mkdir(dest, { recursive: true });
  if (force) {
    await rm(archive, { force: true });
    await rm(part, { force: true });
    await rm(sidecarPath(part), { force: true });
  }

  let resumed = false;
  if (await exists(archive)) {
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

  if (expectedSha) {
    const actual = await sha256Of(archive);
    if (actual !== expectedSha) {
      throw new PnetError('DOWNLOAD_FAILED', `sha256 mismatch: the archive's is ${actual}, expected ${expectedSha}`, {
        file: archive,
        remedy: `delete ${archive} and rerun (or check the expected --sha256 value)`,
      });
    }
    log(`sha256 verified (${actual})`);
  }

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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
