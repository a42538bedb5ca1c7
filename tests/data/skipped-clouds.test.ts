import { describe, expect, it } from 'vitest';
import { countSkippedClouds, formatSkippedClouds } from '../../src/data/skipped-clouds.ts';
import type { Cloud } from '../../src/data/types.ts';

const cloud = (id: string, points: number, labelled = true): Cloud => ({
  id,
  category: 'Airplane',
  source: `${id}.pts`,
  points: new Float32Array(points * 3),
  labels: labelled ? new Int32Array(points) : null,
});

describe('clouds skipped before training are counted', () => {
  const clouds = [cloud('a', 100), cloud('b', 10), cloud('c', 99), cloud('d', 500, false), cloud('e', 100)];

  it('short labelled clouds under skip, unlabelled ones always', () => {
    expect(countSkippedClouds(clouds, 100, 'skip')).toEqual({ short: 2, unlabelled: 1 });
    expect(countSkippedClouds(clouds, 100, 'resample')).toEqual({ short: 0, unlabelled: 1 });
  });

  it('says so in the summary, and nothing when none were skipped', () => {
    expect(formatSkippedClouds({ short: 2, unlabelled: 1 }, 100)).toBe(
      '; skipped 2 with fewer than 100 points (--short-clouds resample keeps them), 1 unlabelled',
    );
    expect(formatSkippedClouds({ short: 0, unlabelled: 0 }, 100)).toBe('');
  });
});
