import { describe, expect, it } from 'vitest';
import { formatSeg } from '../../src/core/formats/seg.ts';
import { parseSeg } from '../../src/core/formats/seg.ts';

describe('formatSeg', () => {
  it('writes one label per line that the .seg parser reads back', () => {
    const labels = Int32Array.from([0, 3, 1, 1, 12]);
    const text = formatSeg(labels);
    expect(text).toBe('0\n3\n1\n1\n12\n');
    expect(Array.from(parseSeg(text, 'x.seg'))).toEqual(Array.from(labels));
  });

  it('writes nothing for no labels', () => {
    expect(formatSeg([])).toBe('');
  });
});
