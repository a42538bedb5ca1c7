import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { basename, dirname, join, normalize, stem } from '../../src/data/tree-path.ts';

/** Every path of up to `depth` of these pieces: enough to meet each of node:path's special cases. */
const PIECES = ['/', '.', '..', 'a', 'x.pts', '.pts'];
function pathsOf(depth: number): string[] {
  let level = [''];
  const all = [''];
  for (let d = 0; d < depth; d++) {
    level = level.flatMap((p) => PIECES.map((piece) => p + piece));
    all.push(...level);
  }
  return [...new Set(all)];
}

describe("tree paths give node:path's POSIX results", () => {
  it('normalize, basename, dirname and stem', () => {
    for (const p of pathsOf(4)) {
      expect([p, normalize(p)]).toEqual([p, posix.normalize(p)]);
      expect([p, basename(p)]).toEqual([p, posix.basename(p)]);
      expect([p, dirname(p)]).toEqual([p, posix.dirname(p)]);
      const name = posix.basename(p);
      expect([name, stem(name, '.pts')]).toEqual([name, posix.basename(name, '.pts')]);
    }
  });

  it('join', () => {
    const few = pathsOf(2);
    for (const a of few) {
      for (const b of few) expect([a, b, join(a, b)]).toEqual([a, b, posix.join(a, b)]);
      expect(join(a, '', 'metadata.json')).toBe(posix.join(a, '', 'metadata.json'));
    }
    expect(join()).toBe(posix.join());
  });
});
