/** Why loaded clouds did not make it into training, counted, so the data summary accounts for every cloud. */
import type { Cloud } from './types.ts';

export interface SkippedClouds {
  unlabelled: number;
  /** Labelled clouds with fewer points than the sample size, skipped under `--short-clouds skip`. */
  short: number;
}

export function countSkippedClouds(
  clouds: readonly Cloud[],
  numPoints: number,
  short: 'skip' | 'resample',
): SkippedClouds {
  let unlabelled = 0;
  let shortCount = 0;
  for (const c of clouds) {
    const total = c.points.length / 3;
    if (!c.labels || total === 0) unlabelled++;
    else if (short === 'skip' && total < numPoints) shortCount++;
  }
  return { unlabelled, short: shortCount };
}

/** `; skipped 3 clouds with fewer than 1024 points (--short-clouds resample keeps them), 2 unlabelled`, or ''. */
export function formatSkippedClouds(s: SkippedClouds, numPoints: number): string {
  const parts: string[] = [];
  if (s.short > 0) parts.push(`${s.short} with fewer than ${numPoints} points (--short-clouds resample keeps them)`);
  if (s.unlabelled > 0) parts.push(`${s.unlabelled} unlabelled`);
  return parts.length === 0 ? '' : `; skipped ${parts.join(', ')}`;
}
