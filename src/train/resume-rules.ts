/**
 * What a resumed run may change. A run's recipe is fixed when it starts (its checkpoints, schedule and split depend
 * on it), so options that differ from it are refused rather than silently ignored; the epoch count, the backend and
 * where the dataset now lies may change. The split's clouds must be the ones the run started with.
 */
import { PnetError } from '../core/errors.ts';
import { sha256Hex } from '../core/sha256.ts';
import type { TrainConfig } from './options.ts';

/** The option each config field is set with, for messages. */
const FLAGS: Partial<Record<keyof TrainConfig, string>> = {
  categories: '--category',
  preset: '--preset',
  batchSize: '--batch-size',
  points: '--points',
  maxClouds: '--max-clouds',
  seed: '--seed',
  learningRate: '--lr',
  lrDecayEvery: 'lrDecayEvery',
  lrDecayFactor: 'lrDecayFactor',
  valFraction: 'valFraction',
  split: '--split',
  jitter: '--jitter',
  resample: '--resample',
  scaleRange: '--scale',
  shift: '--shift',
  rotateUp: '--rotate-up',
  lrSchedule: '--lr-schedule',
  labelSmoothing: '--label-smoothing',
  balanceParts: '--balance-parts',
  shortClouds: '--short-clouds',
};

const shown = (v: unknown) => (Array.isArray(v) ? v.join(' ') : String(v));

/** Refuses recipe options that differ from the saved run's; `data`, `epochs` and `backend` are not recipe. */
export function checkResumeOptions(saved: TrainConfig, given: Partial<TrainConfig>, runPath: string): void {
  const conflicts: string[] = [];
  for (const [key, flag] of Object.entries(FLAGS) as [keyof TrainConfig, string][]) {
    const value = given[key];
    if (value === undefined) continue;
    if (JSON.stringify(value) !== JSON.stringify(saved[key]))
      conflicts.push(`${flag} ${shown(value)} (the run has ${shown(saved[key])})`);
  }
  if (conflicts.length > 0) {
    throw new PnetError(
      'BAD_ARGUMENT',
      `a resumed run keeps its recipe; these differ from it: ${conflicts.join(', ')}`,
      {
        file: runPath,
        remedy:
          'leave them out to continue the run (only --epochs, --backend, --workers and --data may change), or start a new run with --out',
      },
    );
  }
}

/** The split a run trains and validates on, as counts and a digest of the cloud ids (order-independent). */
export interface SplitFingerprint {
  train: number;
  val: number;
  sha256: string;
}

export async function splitFingerprint(train: { id: string }[], val: { id: string }[]): Promise<SplitFingerprint> {
  let text = '';
  for (const [side, clouds] of [
    ['train', train],
    ['val', val],
  ] as const)
    for (const id of clouds.map((c) => c.id).sort()) text += `${side}\t${id}\n`;
  return { train: train.length, val: val.length, sha256: await sha256Hex(new TextEncoder().encode(text)) };
}

/**
 * A resumed run must see the clouds it started with: clouds added, removed or moved between sides would make
 * val a different set from the one best.ckpt was chosen on. Runs saved before the fingerprint existed pass.
 */
export function checkSameSplit(saved: SplitFingerprint | undefined, now: SplitFingerprint, dataPath: string): void {
  if (!saved || saved.sha256 === now.sha256) return;
  const change =
    saved.train === now.train && saved.val === now.val
      ? `the same counts (${now.train} train / ${now.val} val) but other clouds`
      : `${saved.train} train / ${saved.val} val clouds then, ${now.train} / ${now.val} now`;
  throw new PnetError('BAD_INPUT', `the dataset changed since the run started: ${change}`, {
    file: dataPath,
    remedy: 'resume on the dataset the run started with (--data may point at a moved copy), or start a new run',
  });
}
