/**
 * Where `pnet infer` reads and writes: symbolic-link loops in the inputs, and --out folders that hold the user's
 * files, are a file, or hold temp files of a killed run. Nothing of the user's is changed or lost.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPts } from '../../src/core/formats/pts.ts';
import { OUTPUTS_MANIFEST } from '../../src/infer/outputs.ts';
import { Rng } from '../../src/core/rng.ts';
import { tinyOnnx } from '../helpers/tiny-model.ts';
import { expectCleanFailure, expectNoStackTrace, expectUnchanged, pnet, RUNNING_AS_ROOT, snapshot } from './harness.ts';

let dir: string;
let model: string;
let cloud: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-hostile-infer-'));
  model = await tinyOnnx(dir);
  const rng = new Rng(4);
  cloud = formatPts(Float32Array.from({ length: 30 * 3 }, () => rng.uniform(-1, 1)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function clouds(name: string, files: string[]): Promise<string> {
  const root = join(dir, name);
  for (const f of files) {
    await mkdir(join(root, f, '..'), { recursive: true });
    await writeFile(join(root, f), cloud);
  }
  return root;
}

async function filesUnder(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true }))
    .map(String)
    .filter((f) => f.endsWith('.seg'))
    .sort();
}

describe('hostile inputs to pnet infer: symbolic links', () => {
  const loops: Array<[string, (root: string) => Promise<void>]> = [
    ['a self-link', (root) => symlink('.', join(root, 'self'))],
    [
      'two links into each other',
      async (root) => {
        await symlink(join(root, 'a'), join(root, 'b', 'to-a'));
        await symlink(join(root, 'b'), join(root, 'a', 'to-b'));
      },
    ],
    ['a link to the parent', (root) => symlink('..', join(root, 'a', 'up'))],
    ['a link to /', (root) => symlink('/nonexistent-pnet-loop/..', join(root, 'a', 'gone'))],
  ];
  for (const [what, make] of loops) {
    it(`${what}: each cloud labelled once, and the run ends`, async () => {
      const root = await clouds(`loop-${what.replace(/\W/g, '_')}`, ['one.pts', 'a/two.pts', 'b/three.pts']);
      await make(root);
      const before = await snapshot(root);
      const out = join(dir, `out-loop-${what.replace(/\W/g, '_')}`);
      const r = await pnet('infer', model, root, '--out', out);
      expectNoStackTrace(r);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/labelled 3 of 3 clouds/);
      expect(await filesUnder(out)).toEqual(['a/two.seg', 'b/three.seg', 'one.seg']);
      await expectUnchanged(root, before);
    });
  }

  it('a dangling link with a cloud name is named as unreadable; the others are labelled (exit 2)', async () => {
    const root = await clouds('dangling', ['one.pts']);
    await symlink(join(root, 'missing.pts'), join(root, 'gone.pts'));
    const r = await pnet('infer', model, root, '--out', join(dir, 'out-dangling'));
    expectCleanFailure(r, { code: 2, file: join(root, 'gone.pts'), message: /cannot read: ENOENT/ });
  });
});

describe('hostile --out folders', () => {
  it("refuses to overwrite a dataset's label files, with --force too", async () => {
    // infer DATASET/points --out DATASET/points_label/body: the outputs would replace the dataset's label files.
    const root = await clouds('dataset', ['points/x.pts', 'points/y.pts']);
    const labels = join(root, 'points_label', 'body');
    await mkdir(labels, { recursive: true });
    await writeFile(join(labels, 'x.seg'), '1\n0\n');
    const before = await snapshot(root);
    for (const force of [[], ['--force']]) {
      const refused = await pnet('infer', model, join(root, 'points'), '--out', labels, ...force);
      expectCleanFailure(refused, { file: join(labels, 'x.seg'), message: /label file/ });
      await expectUnchanged(root, before);
    }
  });

  it('refuses to overwrite files in --out it did not write without --force, and overwrites with it', async () => {
    const root = await clouds('foreign', ['x.pts', 'y.pts']);
    const out = join(dir, 'out-foreign');
    await mkdir(out);
    await writeFile(join(out, 'x.seg'), 'mine\n');
    const before = await snapshot(out);
    const refused = await pnet('infer', model, root, '--out', out);
    expectCleanFailure(refused, { file: join(out, 'x.seg'), message: /did not write/ });
    expect(refused.stderr).toMatch(/--force/);
    await expectUnchanged(out, before);
    const forced = await pnet('infer', model, root, '--out', out, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(out, 'x.seg'), 'utf8')).not.toBe('mine\n');
  });

  it('a rerun into its own --out overwrites its own outputs and removes temps a killed run left', async () => {
    const root = await clouds('rerun', ['a.pts', 'b.pts']);
    const out = join(dir, 'out-rerun');
    expect((await pnet('infer', model, root, '--out', out)).code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, OUTPUTS_MANIFEST), 'utf8'));
    expect(manifest).toEqual(['a.seg', 'b.seg']);
    await writeFile(join(out, '.a.seg.0123456789ab.tmp'), 'half');
    await writeFile(join(out, 'notes.txt'), 'mine');
    await writeFile(join(out, '.notes.txt.0123456789ab.tmp'), 'not pnet infer’s');
    const again = await pnet('infer', model, root, '--out', out);
    expect(again.code, again.stderr).toBe(0);
    const names = await readdir(out);
    expect(names).not.toContain('.a.seg.0123456789ab.tmp');
    expect(names).toContain('.notes.txt.0123456789ab.tmp');
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('--out naming a file fails once, before any cloud, and leaves the file as it was', async () => {
    const root = await clouds('out-file', ['a.pts', 'b.pts', 'c.pts']);
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'keep me');
    const r = await pnet('infer', model, root, '--out', file);
    expectCleanFailure(r, { file, message: /is a file, not a folder/ });
    expect(r.stderr.split('\n').filter((l) => l.startsWith('pnet: '))).toHaveLength(1);
    expect(await readFile(file, 'utf8')).toBe('keep me');
  });

  it('--out under a file fails once, naming the path', async () => {
    const root = await clouds('under-file', ['a.pts', 'b.pts']);
    const file = join(dir, 'plain-file');
    await writeFile(file, 'x');
    const r = await pnet('infer', model, root, '--out', join(file, 'sub'));
    expectCleanFailure(r, {
      file: join(file, 'sub', OUTPUTS_MANIFEST),
      message: /cannot write: a part of the path is a file/,
    });
    expect(r.stderr.split('\n').filter((l) => l.startsWith('pnet: '))).toHaveLength(1);
  });

  it.skipIf(RUNNING_AS_ROOT)(
    '--out in a read-only folder fails once, naming the path (skipped as root: root may write anywhere)',
    async () => {
      const root = await clouds('read-only', ['a.pts', 'b.pts']);
      const locked = join(dir, 'locked');
      await mkdir(locked);
      await chmod(locked, 0o500);
      try {
        const r = await pnet('infer', model, root, '--out', join(locked, 'out'));
        expectCleanFailure(r, { file: join(locked, 'out', OUTPUTS_MANIFEST), message: /permission denied/ });
        expect(r.stderr.split('\n').filter((l) => l.startsWith('pnet: '))).toHaveLength(1);
      } finally {
        await chmod(locked, 0o700);
      }
      expect(existsSync(join(locked, 'out'))).toBe(false);
    },
  );
});
