/** Which checkpoint a user means by a path: every command that takes a run directory or a .ckpt asks here. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { PnetError } from '../core/errors.ts';

async function kindOf(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/** A run directory means its best checkpoint (best.ckpt), else its latest (last.ckpt); a file is used as is. */
export async function resolveCheckpoint(source: string): Promise<string> {
  const kind = await kindOf(source);
  if (kind === 'file') return source;
  if (kind === 'dir') {
    for (const name of ['best.ckpt', 'last.ckpt']) {
      const candidate = path.join(source, name);
      if ((await kindOf(candidate)) === 'file') return candidate;
    }
    throw new PnetError('NOT_FOUND', 'the run directory has neither best.ckpt nor last.ckpt', {
      file: source,
      remedy: 'train first (`pnet train`), or name a .ckpt file',
    });
  }
  throw new PnetError('NOT_FOUND', 'no such run directory or checkpoint', { file: source });
}
