import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.ts';
import { BENCHMARK_PARTS, benchmarkParts } from '../../src/core/shapenet-parts.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/shapenet-benchmark', import.meta.url));

describe('benchmark part names', () => {
  it('has the 16 categories and 50 parts, in the global id order of the PointNet code', () => {
    expect(BENCHMARK_PARTS).toHaveLength(16);
    expect(BENCHMARK_PARTS.reduce((n, [, parts]) => n + parts.length, 0)).toBe(50);
    // Global first ids the normal variant uses (Skateboard 44–46, Table 47–49).
    expect(benchmarkParts('Skateboard')).toMatchObject({ first: 44, count: 3 });
    expect(benchmarkParts('table')).toMatchObject({ first: 47, count: 3 });
    expect(benchmarkParts('Airplane')!.names).toEqual(['body', 'wing', 'tail', 'engine']);
    expect(benchmarkParts('Unicorn')).toBeUndefined();
  });

  it('names are distinct within a category and usable in `Category/part` class names', () => {
    for (const [category, parts] of BENCHMARK_PARTS) {
      expect(new Set(parts).size, category).toBe(parts.length);
      for (const p of parts) expect(p, category).toMatch(/^[a-z]+$/);
    }
  });
});

describe('benchmark_v0 clouds come out with part names', () => {
  it('one category: its part names in id order, ids mapped onto them', async () => {
    const d = await loadDataset(FIXTURE, { categories: ['Mug'], cache: false });
    expect(d.format).toBe('benchmark');
    expect(d.classes.names).toEqual(['handle', 'cup']);
    const labels = d.clouds[0]!.labels!;
    // The mug's handle (id 1) is a small part of it, the cup (id 2) most of it.
    const handle = labels.filter((l) => l === 0).length;
    expect(handle).toBeGreaterThan(0);
    expect(handle).toBeLessThan(labels.length / 4);
  });

  it('several categories: Category/part names, each category its own parts', async () => {
    const d = await loadDataset(FIXTURE, { cache: false });
    expect(d.classes.names).toEqual([
      'Airplane/body',
      'Airplane/wing',
      'Airplane/tail',
      'Airplane/engine',
      'Mug/handle',
      'Mug/cup',
      'Table/top',
      'Table/leg',
      'Table/drawer',
    ]);
    expect(d.classes.partsOf.Table).toEqual([6, 7, 8]);
    for (const c of d.clouds) for (const l of c.labels!) expect(d.classes.partsOf[c.category]).toContain(l);
  });
});
