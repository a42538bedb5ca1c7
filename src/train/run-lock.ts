/**
 * One `pnet train` per run directory at a time. The "already holds a run" check alone only sees checkpoints, which
 * a new run writes minutes after it starts: two runs started together both passed it and the second overwrote the
 * first's files. A lock file held for the life of the run closes that window, for new runs and resumes alike.
 */
import { mkdir, open, readFile, readdir, rmdir, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PnetError } from '../core/errors.ts';
import { isProcessAlive } from '../core/node/process-alive.ts';

export const RUN_LOCK_FILE = '.pnet-train.lock';

interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

export interface RunLock {
  /** Removes the lock, and the run directory itself when this run created it and wrote nothing into it. */
  release(): Promise<void>;
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? (owner as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the run directory's lock, creating the directory if needed. A lock left by a process that no longer runs
 * on this host (a kill -9, a power cut) is taken over; one held by a live process is refused.
 */
export async function lockRunDir(runDir: string, userPath: string): Promise<RunLock> {
  const created = await mkdir(runDir, { recursive: true });
  const path = join(runDir, RUN_LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${JSON.stringify(me)}\n`);
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(e, userPath, path);
      const owner = await readOwner(path);
      // Taken over once at most: a second EEXIST means another start took the stale lock first.
      if (attempt > 0 || (owner && (owner.host !== me.host || isProcessAlive(owner.pid))))
        throw busy(owner, userPath, path);
      // The owner is gone (or the file is the unreadable remains of a killed start): take the lock over.
      await unlink(path).catch(() => {});
    }
  }
  return {
    async release() {
      const owner = await readOwner(path);
      if (owner?.pid === me.pid && owner.started === me.started) await unlink(path).catch(() => {});
      if (created !== undefined && (await readdir(runDir).catch(() => ['?'])).length === 0)
        await rmdir(runDir).catch(() => {});
    },
  };
}

function busy(owner: LockOwner | undefined, userPath: string, lockPath: string): PnetError {
  const who = !owner
    ? 'another process'
    : owner.host === hostname()
      ? `process ${owner.pid}`
      : `process ${owner.pid} on ${owner.host}`;
  return new PnetError(
    'BAD_ARGUMENT',
    `another pnet train (${who}${owner ? `, started ${owner.started}` : ''}) is using this run`,
    {
      file: userPath,
      remedy: `wait for it to finish, or stop it (it saves last.ckpt); if no such run exists, delete ${lockPath}`,
    },
  );
}

function lockError(e: unknown, userPath: string, lockPath: string): PnetError {
  if (e instanceof PnetError) return e;
  return new PnetError('FILE_ERROR', `cannot lock the run directory (${(e as Error).message})`, {
    file: userPath,
    remedy: `check that ${lockPath} can be created`,
    cause: e,
  });
}
