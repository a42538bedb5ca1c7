import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipInMemory } from '../helpers/zip.ts';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.ts';
import { fetchDataset } from '../../src/data/fetch.ts';
import { PnetError } from '../../src/core/errors.ts';
import { runPnet } from '../helpers/run-cli.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/shapenet-benchmark', import.meta.url));
const TOP = 'shapenetcore_partanno_segmentation_benchmark_v0';
const MUG = '03797390/points/10c2b3eac377b9084b3c42e318f3affc.pts';

/** The committed benchmark fixture as archive members under the benchmark's top-level folder. */
async function benchmarkTree(): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(FIXTURE, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.name !== 'SOURCE.md') files.set(`${TOP}/${r}`, await readFile(join(FIXTURE, r)));
    }
  };
  await walk('');
  return files;
}

function zip(files: Map<string, Buffer>): Promise<Buffer> {
  return zipInMemory((z) => {
    for (const [name, data] of files) z.addBuffer(data, name);
  });
}

const quiet = { progress: false, log: () => {} };
let tree: Map<string, Buffer>;
let zipBytes: Buffer;
let work: string;
let archive: string;

beforeAll(async () => {
  tree = await benchmarkTree();
  zipBytes = await zip(tree);
});

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'pnet-from-'));
  archive = join(work, 'downloads', 'benchmark.zip');
  await mkdir(join(work, 'downloads'));
  await writeFile(archive, zipBytes);
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('pnet data fetch --from FILE.zip', () => {
  it('verifies and extracts the archive into --dest, leaves the archive alone, and skips the next time', async () => {
    const dest = join(work, 'data');
    const sha256 = createHash('sha256').update(zipBytes).digest('hex');
    const r = await fetchDataset({ from: archive, dest, sha256, ...quiet });
    expect(r.skipped).toBe(false);
    expect(r.extractedTo).toBe(join(dest, TOP));
    expect(r.archive).toBe(archive);
    for (const [name, data] of tree) expect((await readFile(join(dest, name))).equals(data), name).toBe(true);
    // Nothing but the extracted folder in --dest (no staging folder, no copy of the archive); the user's file is intact.
    expect(await readdir(dest)).toEqual([TOP]);
    expect((await readFile(archive)).equals(zipBytes)).toBe(true);

    const lines: string[] = [];
    const again = await fetchDataset({ from: archive, dest, progress: false, log: (l) => lines.push(l) });
    expect(again.skipped).toBe(true);
    expect(lines.join('\n')).toMatch(/already exists/);

    const d = await loadDataset(r.extractedTo, { categories: ['Mug'], cache: false });
    expect(d.format).toBe('benchmark');
    expect(d.classes.names).toEqual(['handle', 'cup']);
  });

  it('a damaged archive: one error naming it, nothing extracted, the archive kept and not called deletable', async () => {
    const damaged = Buffer.from(zipBytes);
    // Flip one byte inside the mug cloud's compressed data: its CRC32 no longer matches.
    const at = damaged.indexOf(Buffer.from(MUG)) + MUG.length + 40;
    damaged[at]! ^= 0xff;
    await writeFile(archive, damaged);
    const dest = join(work, 'data');
    const e = await fetchDataset({ from: archive, dest, ...quiet }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(PnetError);
    expect((e as PnetError).file).toBe(archive);
    expect((e as PnetError).remedy).not.toMatch(/delete/);
    expect(existsSync(join(dest, TOP))).toBe(false);
    expect((await readdir(dest)).filter((n) => n.startsWith('.extract-'))).toEqual([]);
    expect((await readFile(archive)).equals(damaged)).toBe(true);
  });

  it('names a missing archive, and refuses --from with --url, in one line', async () => {
    const missing = await runPnet('data', 'fetch', '--from', join(work, 'nope.zip'), '--dest', join(work, 'data'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/nope\.zip: no such archive/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const both = await runPnet('data', 'fetch', '--from', archive, '--url', 'http://127.0.0.1:9/x.zip');
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/--from and --url/);
  });

  it('prints where the data is and what to run next', async () => {
    const r = await runPnet('data', 'fetch', '--from', archive, '--dest', join(work, 'data'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`dataset ready in ${join(work, 'data', TOP)}`);
    expect(r.stdout).toMatch(/verified/);
  });

  let hasGit = true;
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
  } catch {
    hasGit = false;
  }

  it.skipIf(!hasGit)('never extracts over files a git repository tracks, even with --force', async () => {
    const repo = join(work, 'repo');
    const tracked = join(repo, 'data', TOP, 'synsetoffset2category.txt');
    await mkdir(join(repo, 'data', TOP), { recursive: true });
    await writeFile(tracked, 'mine\n');
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'x');
    const e = await fetchDataset({ from: archive, dest: join(repo, 'data'), force: true, ...quiet }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(PnetError);
    expect((e as PnetError).message).toMatch(/tracked by git/);
    expect(await readFile(tracked, 'utf8')).toBe('mine\n');
  });
});
