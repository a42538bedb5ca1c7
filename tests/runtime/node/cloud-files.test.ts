import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expandCloudInputs } from '../../../runtime/node/cloud-files.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-cloud-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tree(name: string): Promise<string> {
  const root = join(dir, name);
  await mkdir(join(root, 'a', 'b'), { recursive: true });
  await writeFile(join(root, 'one.pts'), '0 0 0\n');
  await writeFile(join(root, 'a', 'two.PLY'), 'ply\n');
  await writeFile(join(root, 'a', 'b', 'three.pts'), '0 0 0\n');
  await writeFile(join(root, 'a', 'notes.txt'), 'not a cloud\n');
  return root;
}

const names = (root: string, files: string[]) => files.map((f) => relative(root, f)).sort();

describe('expandCloudInputs on folders with symbolic links', () => {
  it('reads each real folder once through a self-link', async () => {
    const root = await tree('self');
    await symlink('.', join(root, 'self'));
    const { files, problems } = await expandCloudInputs([root]);
    expect(problems).toEqual([]);
    expect(names(root, files)).toEqual(['a/b/three.pts', 'a/two.PLY', 'one.pts']);
  });

  it('ends on two links that point at each other’s folders', async () => {
    const root = await tree('loop');
    await symlink(join(root, 'a', 'b'), join(root, 'a', 'to-b'));
    await symlink(join(root, 'a'), join(root, 'a', 'b', 'to-a'));
    const { files } = await expandCloudInputs([root]);
    expect(names(root, files)).toEqual(['a/b/three.pts', 'a/two.PLY', 'one.pts']);
  });

  it('follows links to files and to folders outside, and keeps a dangling cloud link so it is reported', async () => {
    const root = await tree('links');
    const outside = await tree('outside');
    await symlink(join(outside, 'one.pts'), join(root, 'linked.pts'));
    await symlink(join(outside, 'a'), join(root, 'linked-folder'));
    await symlink(join(root, 'missing.pts'), join(root, 'dangling.pts'));
    const { files } = await expandCloudInputs([root]);
    expect(names(root, files)).toEqual([
      'a/b/three.pts',
      'a/two.PLY',
      'dangling.pts',
      'linked-folder/b/three.pts',
      'linked-folder/two.PLY',
      'linked.pts',
      'one.pts',
    ]);
  });

  it('a glob does not descend into a link loop', async () => {
    const root = await tree('glob');
    await symlink('..', join(root, 'a', 'up'));
    const { files } = await expandCloudInputs([`${root}/**/*.pts`]);
    expect(names(root, files)).toEqual(['a/b/three.pts', 'one.pts']);
  });
});

describe('expandCloudInputs and the cloud formats', () => {
  it('takes a benchmark .txt cloud when it is named, but a folder walk leaves .txt notes alone', async () => {
    const root = await tree('txt');
    await writeFile(join(root, 'a', 'b', 'cloud.txt'), '0 0 0 0 0 1 2\n');
    const named = await expandCloudInputs([join(root, 'a', 'b', 'cloud.txt')]);
    expect(named.problems).toEqual([]);
    expect(names(root, named.files)).toEqual(['a/b/cloud.txt']);
    const walked = await expandCloudInputs([root]);
    expect(names(root, walked.files)).toEqual(['a/b/three.pts', 'a/two.PLY', 'one.pts']);
    const globbed = await expandCloudInputs([`${root}/**/*.txt`]);
    expect(names(root, globbed.files)).toEqual(['a/b/cloud.txt', 'a/notes.txt']);
  });

  it('names the formats it takes when a file is of another', async () => {
    const root = await tree('obj');
    await writeFile(join(root, 'mesh.obj'), 'v 0 0 0\n');
    const { files, problems } = await expandCloudInputs([join(root, 'mesh.obj')]);
    expect(files).toEqual([]);
    expect(problems.map((p) => p.message)).toEqual(['unsupported file type ".obj"; expected .pts, .ply, .txt']);
  });
});
