/** Checkpoint files on disk: format.ts's bytes, written atomically and read with the file named in every error. */
import { readFile } from 'node:fs/promises';
import { PnetError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/node/atomic-write.ts';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './format.ts';

export async function writeCheckpoint(path: string, ckpt: Checkpoint): Promise<void> {
  await writeFileAtomic(path, await encodeCheckpoint(ckpt));
}

/** The file's bytes, or NOT_FOUND naming it. */
export async function readCheckpointBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new PnetError('NOT_FOUND', `cannot read checkpoint: ${(e as Error).message}`, { file: path });
  }
}

export async function readCheckpoint(path: string): Promise<Checkpoint> {
  return decodeCheckpoint(await readCheckpointBytes(path), path);
}
