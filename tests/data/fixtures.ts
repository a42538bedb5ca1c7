/** Small datasets written by code, in each supported layout, for the data tests. */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

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

/**
 * The benchmark's normal variant: `02691156/<id>.txt` rows of `x y z nx ny nz part` (Airplane's global part ids are
 * 0–3), and `train_test_split/shuffled_<split>_file_list.json` naming `shape_data/02691156/<id>`.
 */
export function writeBenchmarkNormal(
  clouds: Array<{ id: string; txt: string }>,
  split: Partial<Record<'train' | 'val' | 'test', string[]>> = {},
): string {
  const root = mkdtempSync(join(tmpdir(), 'pnet-bvn-'));
  const cat = join(root, '02691156');
  mkdirSync(cat, { recursive: true });
  writeFileSync(join(root, 'synsetoffset2category.txt'), 'Airplane\t02691156\n');
  for (const c of clouds) writeFileSync(join(cat, `${c.id}.txt`), c.txt);
  mkdirSync(join(root, 'train_test_split'));
  for (const [part, ids] of Object.entries(split)) {
    const names = ids.map((id) => `shape_data/02691156/${id}`);
    writeFileSync(join(root, 'train_test_split', `shuffled_${part}_file_list.json`), JSON.stringify(names));
  }
  return root;
}

/** `n` rows of the normal variant, part ids cycling through Airplane's 0–3. */
export function normalText(n: number): string {
  return Array.from({ length: n }, (_, i) => `${i * 0.1} ${i % 3} ${-i * 0.05} 0 0 1 ${i % 4}`).join('\n') + '\n';
}

/** Every file under `dir`, keyed by its '/'-path relative to `dir` with `prefix` before it (the dropped folders). */
export function readFolder(dir: string, prefix = ''): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    files.set(`${prefix}${relative(dir, path)}`, new Uint8Array(readFileSync(path)));
  }
  return files;
}
