/** A run's folder as the epoch loop's store: history.json and the curves, then best.ckpt and last.ckpt, atomically. */
import { existsSync } from 'node:fs';
import type { RunStore } from './epoch-loop.ts';
import { runPath, writeHistory } from './run-dir.ts';
import { writeCheckpoint } from '../checkpoint/files.ts';
import { runCheckpoint } from './run-checkpoints.ts';
import type { TrainingRun } from './run-state.ts';

export function runDirStore(runDir: string): RunStore {
  return {
    lastGood: () => (existsSync(runPath(runDir, 'last')) ? runPath(runDir, 'last') : undefined),
    saveEpoch: async (run, isBest) => {
      await writeHistory(runDir, run.state.history);
      await saveRunCheckpoints(runDir, run, isBest);
    },
  };
}

/** Writes best.ckpt (when `best`) and last.ckpt, each atomically, with the same weights, optimizer and state. */
export async function saveRunCheckpoints(runDir: string, run: TrainingRun, best: boolean): Promise<void> {
  const checkpoint = runCheckpoint(run);
  if (best) await writeCheckpoint(runPath(runDir, 'best'), checkpoint);
  await writeCheckpoint(runPath(runDir, 'last'), checkpoint);
}
