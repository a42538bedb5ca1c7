/**
 * `pnet export --triton` into a model folder that already holds versions: config.pbtxt and labels.txt are shared
 * by every version, so a version with another class order is refused (naming the version it clashes with, nothing
 * changed), an older version of the same contract leaves the served (highest) version's files as they were, and a
 * version number Triton cannot hold is refused before anything is written.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CATEGORIES, tinyCheckpoint } from '../helpers/tiny-model.ts';
import { expectCleanFailure, expectUnchanged, pnet, snapshot } from './harness.ts';

let dir: string;
const ckpt = (name: string) => path.join(dir, `${name}.ckpt`);
const { names, colors } = TINY_CATEGORIES.Airplane;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnet-hostile-triton-'));
  // Same parts, wing and body swapped: a model trained on another class order.
  await tinyCheckpoint(ckpt('swapped'), {
    weights: 'perturbed',
    classes: { names: [names[1], names[0], names[2], names[3]], colors: [colors[1], colors[0], colors[2], colors[3]] },
  });
  await tinyCheckpoint(ckpt('old'), { weights: 'perturbed', seed: 3 });
  await tinyCheckpoint(ckpt('new'), { weights: 'perturbed', seed: 4 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hostile Triton exports: versions of one model share its config.pbtxt and labels.txt', () => {
  it('refuses an older version whose class order differs, naming the served version; nothing changes', async () => {
    const repo = path.join(dir, 'repo-swapped');
    expect((await pnet('export', ckpt('new'), '--triton', repo, '--version', '2')).code).toBe(0);
    const before = await snapshot(repo);
    const r = await pnet('export', ckpt('swapped'), '--triton', repo, '--version', '1');
    expectCleanFailure(r, {
      file: path.join(repo, 'pnet_airplane', '2', 'model.onnx'),
      message: /version 1 would not fit .*version 2 has another contract \(classes \["body","wing","tail","engine"\]/,
    });
    await expectUnchanged(repo, before);
  });

  it('an older version of the same contract leaves the served version’s config.pbtxt and labels.txt', async () => {
    const repo = path.join(dir, 'repo-same');
    expect((await pnet('export', ckpt('new'), '--triton', repo, '--version', '2')).code).toBe(0);
    const modelDir = path.join(repo, 'pnet_airplane');
    const served = await readFile(path.join(modelDir, 'config.pbtxt'), 'utf8');
    const labels = await readFile(path.join(modelDir, 'labels.txt'), 'utf8');
    const r = await pnet('export', ckpt('old'), '--triton', repo, '--version', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Triton serves version 2 (the highest); config.pbtxt and labels.txt follow it');
    expect((await readdir(modelDir)).sort()).toEqual(['1', '2', 'config.pbtxt', 'labels.txt']);
    expect(await readFile(path.join(modelDir, 'config.pbtxt'), 'utf8')).toBe(served);
    expect(await readFile(path.join(modelDir, 'labels.txt'), 'utf8')).toBe(labels);
  });

  it('a newer version takes the model-wide files over', async () => {
    const repo = path.join(dir, 'repo-newer');
    expect((await pnet('export', ckpt('old'), '--triton', repo, '--version', '1')).code).toBe(0);
    const modelDir = path.join(repo, 'pnet_airplane');
    const before = await readFile(path.join(modelDir, 'config.pbtxt'), 'utf8');
    const r = await pnet('export', ckpt('new'), '--triton', repo, '--version', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('Triton serves version');
    expect(await readFile(path.join(modelDir, 'config.pbtxt'), 'utf8')).not.toBe(before);
  });

  for (const version of ['99999999999999999999', '9007199254740992']) {
    it(`refuses --version ${version} (beyond what Triton's int64 and pnet can name exactly); writes nothing`, async () => {
      const repo = path.join(dir, `repo-${version}`);
      const r = await pnet('export', ckpt('new'), '--triton', repo, '--version', version);
      expect(r.stderr, r.stderr).not.toMatch(/\n\s+at |unexpected error/);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^pnet: --version must be a positive integer, got \S+ \(at most 9007199254740991\)/m);
      expect(await readdir(repo).catch(() => [])).toEqual([]);
    });
  }
});
