import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.ts';
import { synthesizeDataset, SYNTH_PARTS } from '../../src/data/synth.ts';

describe('pnet data synth', () => {
  it('writes labelled airplanes in the PartAnnotation layout that load back with matching counts', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pnet-synth-'));
    const r = await synthesizeDataset(out, { count: 12, seed: 3 });
    const meta = JSON.parse(readFileSync(join(r.root, 'metadata.json'), 'utf8'));
    expect(meta.Airplane.lables).toEqual([...SYNTH_PARTS]);
    expect(readFileSync(join(r.root, 'SYNTHETIC.md'), 'utf8')).toMatch(/not ShapeNet/);
    const d = await loadDataset(out, { cache: false });
    expect(d.format).toBe('partannotation');
    expect(d.clouds).toHaveLength(12);
    expect(d.problems).toEqual([]);
    expect(d.classes.names).toEqual(['wing', 'body', 'tail', 'engine', 'none']);
    const total = d.clouds.reduce((n, c) => n + c.points.length / 3, 0);
    expect(total).toBe(r.points);
    for (const c of d.clouds) {
      const n = c.points.length / 3;
      expect(n).toBeGreaterThan(1500);
      // wing, body, tail are always present; landing gear makes a few `none` points.
      for (const part of [0, 1, 2, 4]) expect(c.labels!.includes(part)).toBe(true);
      const bodyFile = join(r.root, '02691156', 'points_label', 'body', `${c.id}.seg`);
      expect(readFileSync(bodyFile, 'utf8').trim().split('\n')).toHaveLength(n);
    }
    // Some planes have no engines, and then no engine label file: the part is absent, not an error.
    const engineFiles = readdirSync(join(r.root, '02691156', 'points_label', 'engine')).length;
    expect(engineFiles).toBeLessThan(12);
  });

  it('is deterministic per seed and varies across seeds', async () => {
    const a = mkdtempSync(join(tmpdir(), 'pnet-synth-'));
    const b = mkdtempSync(join(tmpdir(), 'pnet-synth-'));
    const c = mkdtempSync(join(tmpdir(), 'pnet-synth-'));
    await synthesizeDataset(a, { count: 2, seed: 9 });
    await synthesizeDataset(b, { count: 2, seed: 9 });
    await synthesizeDataset(c, { count: 2, seed: 10 });
    const file = (root: string, seed: number) =>
      readFileSync(join(root, 'PartAnnotation', '02691156', 'points', `synth_${seed}_00000.pts`), 'utf8');
    expect(file(a, 9)).toBe(file(b, 9));
    expect(file(c, 10)).not.toBe(file(a, 9));
  });

  it('refuses to overwrite an existing dataset without force', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pnet-synth-'));
    await synthesizeDataset(out, { count: 1, seed: 1 });
    await expect(synthesizeDataset(out, { count: 1, seed: 1 })).rejects.toThrow(/already exists/);
    await expect(synthesizeDataset(out, { count: 1, seed: 2, force: true })).resolves.toMatchObject({ clouds: 1 });
  });
});
