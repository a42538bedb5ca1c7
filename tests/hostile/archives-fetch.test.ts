/**
 * Hostile archives for `pnet data fetch --from`: top-level names that are dot-folders (`.git/`), entries spelled
 * `./name`, and a file and a folder of one name. Each is extracted right or refused in one line naming the archive
 * and entry (never a temp folder), and nothing of the user's changes.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipInMemory } from '../helpers/zip.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectCleanFailure, expectUnchanged, pnet, snapshot } from './harness.ts';

/** A zip of `entries` in order, names exactly as given (yazl keeps `./` and dot-folders as they are). */
function zip(entries: Array<[string, string]>): Promise<Buffer> {
  return zipInMemory((z) => {
    for (const [name, data] of entries) z.addBuffer(Buffer.from(data), name);
  });
}

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'pnet-hostile-archives-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function archiveOf(entries: Array<[string, string]>): Promise<string> {
  const file = join(work, 'in.zip');
  await writeFile(file, await zip(entries));
  return file;
}

describe('hostile archives: top-level names', () => {
  it('a top-level .git/ into a repository with --force: refused, the repository untouched', async () => {
    const repo = join(work, 'repo');
    await mkdir(repo);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
    git('init', '-q');
    await writeFile(join(repo, 'a.txt'), 'mine\n');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'x');
    const archive = await archiveOf([
      ['.git/HEAD', 'ref: refs/heads/evil\n'],
      ['.git/config', '[core]\n'],
    ]);
    const before = await snapshot(repo);
    const r = await pnet('data', 'fetch', '--from', archive, '--dest', repo, '--force');
    expectCleanFailure(r, { file: archive, message: /\.git/ });
    await expectUnchanged(repo, before);
  });

  it('a hidden top-level folder into a new --dest: refused, nothing extracted', async () => {
    const archive = await archiveOf([['.hidden/x.pts', '0 0 0\n']]);
    const dest = join(work, 'data');
    const r = await pnet('data', 'fetch', '--from', archive, '--dest', dest);
    expectCleanFailure(r, { file: archive, message: /\.hidden/ });
    expect(await readdir(dest).catch(() => [])).toEqual([]);
  });
});

describe('hostile archives: entry names', () => {
  it('entries spelled ./PartAnnotation/… into an existing --dest are extracted', async () => {
    const archive = await archiveOf([
      ['./PartAnnotation/metadata.json', '{}\n'],
      ['./PartAnnotation/02691156/points/a.pts', '0 0 0\n'],
    ]);
    const dest = join(work, 'data');
    await mkdir(dest);
    await writeFile(join(dest, 'other.txt'), 'mine\n');
    const r = await pnet('data', 'fetch', '--from', archive, '--dest', dest);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`dataset ready in ${join(dest, 'PartAnnotation')}`);
    expect(await readFile(join(dest, 'PartAnnotation', '02691156', 'points', 'a.pts'), 'utf8')).toBe('0 0 0\n');
    expect((await readdir(dest)).sort()).toEqual(['PartAnnotation', 'other.txt']);
    const again = await pnet('data', 'fetch', '--from', archive, '--dest', dest);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/already exists; nothing to extract/);
  });

  it('a file PartAnnotation, then PartAnnotation/b.pts: one line naming the archive and entry, no temp path', async () => {
    const archive = await archiveOf([
      ['PartAnnotation', 'a file\n'],
      ['PartAnnotation/b.pts', '0 0 0\n'],
    ]);
    const dest = join(work, 'data');
    const r = await pnet('data', 'fetch', '--from', archive, '--dest', dest);
    expectCleanFailure(r, { file: archive, message: /PartAnnotation\/b\.pts/ });
    expect(r.stderr).not.toMatch(/\.extract-/);
    expect(await readdir(dest).catch(() => [])).toEqual([]);
  });
});
