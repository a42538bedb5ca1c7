/** Small datasets written by code, in each supported layout, for the data tests. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixtureCloud {
  id: string;
  /** File contents, verbatim (so tests can break them). */
  pts: string;
  /** part name → .seg file contents; omitted parts get no file. */
  segs: Record<string, string>;
}

export function cloudText(n: number, offset = 0): string {
  return Array.from({ length: n }, (_, i) => `${(i + offset) * 0.1} ${i % 3} ${-i * 0.05}`).join('\n') + '\n';
}

export function flags(n: number, on: (i: number) => boolean): string {
  return Array.from({ length: n }, (_, i) => (on(i) ? '1' : '0')).join('\n') + '\n';
}

export function goodCloud(id: string, n = 6): FixtureCloud {
  return { id, pts: cloudText(n), segs: { wing: flags(n, (i) => i < 2), body: flags(n, (i) => i >= 2 && i < 5) } };
}

/** `root/PartAnnotation/{metadata.json, 02691156/points, 02691156/points_label/<part>}`. */
export function writePartAnnotation(clouds: FixtureCloud[], metadata?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'pnet-pa-'));
  const base = join(root, 'PartAnnotation');
  const cat = join(base, '02691156');
  mkdirSync(join(cat, 'points'), { recursive: true });
  writeFileSync(
    join(base, 'metadata.json'),
    metadata ??
      JSON.stringify({
        Airplane: { directory: '02691156', lables: ['wing', 'body', 'tail'], colors: ['blue', 'red', 'green'] },
      }),
  );
  for (const c of clouds) {
    writeFileSync(join(cat, 'points', `${c.id}.pts`), c.pts);
    for (const [part, text] of Object.entries(c.segs)) {
      mkdirSync(join(cat, 'points_label', part), { recursive: true });
      writeFileSync(join(cat, 'points_label', part, `${c.id}.seg`), text);
    }
  }
  return root;
}

/** The benchmark v0 layout: `points/<id>.pts`, `points_label/<id>.seg` with 1-based part ids. */
export function writeBenchmarkV0(clouds: Array<{ id: string; pts: string; seg?: string }>): string {
  const root = mkdtempSync(join(tmpdir(), 'pnet-bv0-'));
  const cat = join(root, '02691156');
  mkdirSync(join(cat, 'points'), { recursive: true });
  mkdirSync(join(cat, 'points_label'), { recursive: true });
  writeFileSync(join(root, 'synsetoffset2category.txt'), 'Airplane\t02691156\n');
  for (const c of clouds) {
    writeFileSync(join(cat, 'points', `${c.id}.pts`), c.pts);
    if (c.seg !== undefined) writeFileSync(join(cat, 'points_label', `${c.id}.seg`), c.seg);
  }
  return root;
}
