import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsErrorToPnet, isFsError } from './fs-errors.ts';

/** `.<name>.<12 hex>.tmp`: the temp file writeFileAtomic puts beside `<name>` until the rename. */
const TEMP_NAME = /^\.(.+)\.[0-9a-f]{12}\.tmp$/;

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes a file so that readers only ever see the old content or the complete new one:
 * write a temp file beside it, fsync, then rename over the target (atomic on POSIX).
 * A file-system failure is a one-line PnetError naming `path` (not the temp file).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  try {
    await writeThroughTemp(path, data);
  } catch (e) {
    throw isFsError(e) ? fsErrorToPnet(e, 'write', path) : e;
  }
}

async function writeThroughTemp(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Removes the temp files a killed writer left in `dir` (not recursive). Only names of writeFileAtomic's exact form
 * whose target `keep` accepts are touched, so nothing of the user's is. Returns the names removed.
 */
export async function removeStaleTemps(dir: string, keep: (target: string) => boolean = () => true): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || !keep(m[1]!)) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
