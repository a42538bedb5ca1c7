import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.ts';
import { HAS_REAL_DATA, REAL_NORMAL } from '../paths.ts';

describe.skipIf(!HAS_REAL_DATA)('real ShapeNet part files (benchmark normal layout)', () => {
  it('loads every cloud with as many labels as lines, ids mapped into the category', async () => {
    const d = await loadDataset(REAL_NORMAL, { cache: false });
    expect(d.format).toBe('benchmark-normal');
    const files = ['04225987', '04379243'].flatMap((s) =>
      readdirSync(join(REAL_NORMAL, s)).map((f) => join(REAL_NORMAL, s, f)),
    );
    expect(d.clouds).toHaveLength(files.length);
    for (const c of d.clouds) {
      const lines = readFileSync(c.source, 'utf8').trim().split('\n');
      expect(c.points.length).toBe(lines.length * 3);
      expect(c.labels).not.toBeNull();
      expect(c.labels!.length).toBe(lines.length);
      const first = lines[0]!.trim().split(/\s+/).map(Number);
      expect(c.points[0]).toBeCloseTo(first[0]!, 5);
      const globalId = first[6]!;
      const offset = c.category === 'Skateboard' ? 44 : 47;
      expect(c.labels![0]).toBe(globalId - offset + d.classes.partsOf[c.category]![0]!);
      for (const l of c.labels!) expect(d.classes.partsOf[c.category]).toContain(l);
    }
  });

  it('selects one category by name and reports split entries that name absent clouds', async () => {
    const d = await loadDataset(REAL_NORMAL, { categories: ['table'], cache: false });
    expect(d.categories).toEqual(['Table']);
    expect(d.clouds.every((c) => c.category === 'Table')).toBe(true);
    expect(d.classes.names).toEqual(['top', 'leg', 'drawer']);
    const all = await loadDataset(REAL_NORMAL, { cache: false });
    expect(all.problems.some((p) => /not in the dataset/.test(p.message))).toBe(true);
    expect(all.problems.some((p) => /more than once/.test(p.message))).toBe(true);
  });

  it('names the categories it has when asked for one it lacks', async () => {
    await expect(loadDataset(REAL_NORMAL, { categories: ['Airplane'], cache: false })).rejects.toThrow(
      /Skateboard, Table/,
    );
  });
});
