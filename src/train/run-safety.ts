/** What keeps a run directory trustworthy across kills and bad steps: which checkpoint resumes, stale temps, divergence. */
import { existsSync } from 'node:fs';
import { removeStaleTemps } from '../core/node/atomic-write.ts';
import { RUN_FILES, runPath } from './run-dir.ts';

/**
 * last.ckpt, or best.ckpt when last.ckpt is missing: a run killed between epoch 1's two checkpoint writes has only
 * best.ckpt, which holds the full state (weights, Adam, epoch, RNG) of that same moment.
 */
export function resumeCheckpoint(runDir: string): string {
  const last = runPath(runDir, 'last');
  const best = runPath(runDir, 'best');
  return !existsSync(last) && existsSync(best) ? best : last;
}

/** Removes the temp files of run files (`.last.ckpt.<hex>.tmp`, …) that a killed run left; nothing else. */
export function removeRunTemps(runDir: string): Promise<string[]> {
  const runFiles = new Set<string>(Object.values(RUN_FILES));
  return removeStaleTemps(runDir, (target) => runFiles.has(target));
}
