import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PnetError } from '../../src/core/errors.ts';
import { loadDataset } from '../../src/data/index.ts';
import { loadDatasetFromFiles } from '../../src/data/load-files.ts';
import type { Dataset } from '../../src/data/types.ts';
import { HAS_REAL_DATA, REAL_NORMAL } from '../paths.ts';
import {
  cloudText,
  flags,
  goodCloud,
  normalText,
  readFolder,
  writeBenchmarkNormal,
  writeBenchmarkV0,
  writePartAnnotation,
} from './fixtures.ts';

/** A dataset read from `base` with its paths as the same files dropped under `prefix` are named. */
function asDropped(d: Dataset, base: string, prefix = ''): Dataset {
  const rel = (p: string) => join(prefix, relative(base, p)).replace(/(.)\/$/, '$1');
  return {
    ...d,
    root: rel(d.root),
    clouds: d.clouds.map((c) => ({ ...c, source: rel(c.source) })),
    problems: d.problems.map((p) => ({ ...p, file: rel(p.file) })),
  };
}

/** loadDataset on the folder and loadDatasetFromFiles on its files (under `prefix`) give the same Dataset. */
async function expectSameDataset(dir: string, prefix = '', categories?: string[]): Promise<Dataset> {
  const fromDisk = await loadDataset(dir, { cache: false, categories });
  const fromFiles = loadDatasetFromFiles(readFolder(dir, prefix), { categories });
  expect(fromFiles).toEqual(asDropped(fromDisk, dir, prefix));
  return fromFiles;
}

const broken = { id: 'bad', pts: '0 0 0\n1 1 abc\n2 2 2\n', segs: {} };

describe('loadDatasetFromFiles reads what loadDataset reads', () => {
  it('PartAnnotation: clouds, labels, unlabelled clouds and the bad file', async () => {
    const unlabelled = { id: 'u', pts: cloudText(4), segs: {} };
    const dir = writePartAnnotation([goodCloud('a'), broken, unlabelled, goodCloud('z', 9)]);
    const d = await expectSameDataset(dir);
    expect(d.format).toBe('partannotation');
    expect(d.root).toBe('PartAnnotation');
    expect(d.clouds.map((c) => c.id)).toEqual(['a', 'u', 'z']);
    expect(d.problems).toEqual([
      { file: 'PartAnnotation/02691156/points/bad.pts', line: 2, message: 'not a number: "abc"' },
    ]);
  });

  it('benchmark v0, dropped inside two wrapping folders, with one category asked for', async () => {
    const dir = writeBenchmarkV0([
      { id: 'ok', pts: cloudText(3), seg: '1\n2\n4\n' },
      { id: 'bad', pts: cloudText(3), seg: '1\n5\n2\n' },
      { id: 'plain', pts: cloudText(5) },
    ]);
    const d = await expectSameDataset(dir, 'downloads/shapenetcore_partanno_segmentation_benchmark_v0/', ['airplane']);
    expect(d.format).toBe('benchmark');
    expect(d.root).toBe('downloads/shapenetcore_partanno_segmentation_benchmark_v0');
    expect(d.clouds.map((c) => [c.id, c.labels && Array.from(c.labels)])).toEqual([
      ['ok', [0, 1, 3]],
      ['plain', null],
    ]);
    expect(d.problems[0]).toMatchObject({
      file: 'downloads/shapenetcore_partanno_segmentation_benchmark_v0/02691156/points_label/bad.seg',
      line: 2,
    });
  });

  it('benchmark normal: embedded part ids and the official split, with its problems', async () => {
    const dir = writeBenchmarkNormal(
      [
        { id: 'p1', txt: normalText(5) },
        { id: 'p2', txt: normalText(4) },
        { id: 'p3', txt: '0 0 0 0 0 1 0\n1 1 1 0 0 1 7\n' },
      ],
      { train: ['p1', 'p1', 'gone'], val: ['p2'], test: ['p3'] },
    );
    const d = await expectSameDataset(dir, 'shapenetcore_partanno_segmentation_benchmark_v0_normal/');
    expect(d.format).toBe('benchmark-normal');
    expect(d.officialSplit).toEqual({ train: ['p1'], val: ['p2'], test: ['p3'] });
    expect(d.problems.map((p) => [p.file.split('/').slice(1).join('/'), p.line])).toEqual([
      ['train_test_split/shuffled_train_file_list.json', undefined],
      ['train_test_split/shuffled_train_file_list.json', undefined],
      ['02691156/p3.txt', 2],
    ]);
  });

  it.skipIf(!HAS_REAL_DATA)('the committed real clouds of the normal variant', async () => {
    const d = await expectSameDataset(REAL_NORMAL, 'shapenetcore_partanno_segmentation_benchmark_v0_normal/');
    expect(d.clouds).toHaveLength(4);
  });

  it('strict: the same first error, naming the dropped path and line', async () => {
    const dir = writePartAnnotation([goodCloud('a'), broken]);
    const fromDisk = (await loadDataset(dir, { cache: false, strict: true }).catch((e: unknown) => e)) as PnetError;
    let fromFiles: unknown;
    try {
      loadDatasetFromFiles(readFolder(dir, 'data/'), { strict: true });
    } catch (e) {
      fromFiles = e;
    }
    expect(fromFiles).toBeInstanceOf(PnetError);
    const e = fromFiles as PnetError;
    expect([e.code, e.message, e.line]).toEqual([fromDisk.code, fromDisk.message, fromDisk.line]);
    expect(e.file).toBe(`data/${relative(dir, fromDisk.file!)}`);
    expect(e.describe()).toBe('data/PartAnnotation/02691156/points/bad.pts:2: not a number: "abc"');
  });
});

describe('loadDatasetFromFiles on files built in memory', () => {
  const text = (s: string) => new TextEncoder().encode(s);
  const metadata = JSON.stringify({ Airplane: { directory: '02691156', lables: ['wing', 'body'] } });

  it('names a bad label file by its relative path and line', () => {
    const files = new Map([
      ['my-data/PartAnnotation/metadata.json', text(metadata)],
      ['my-data/PartAnnotation/02691156/points/a.pts', text(cloudText(4))],
      ['my-data/PartAnnotation/02691156/points_label/body/a.seg', text('0\n1\n2\n0\n')],
      ['my-data/PartAnnotation/02691156/points/b.pts', text(cloudText(3))],
      ['my-data/PartAnnotation/02691156/points_label/wing/b.seg', text(flags(3, (i) => i === 0))],
      ['my-data/.DS_Store', text('junk')],
      ['__MACOSX/my-data/._metadata.json', text('junk')],
    ]);
    const d = loadDatasetFromFiles(files, {});
    expect(d.clouds.map((c) => [c.source, Array.from(c.labels!)])).toEqual([
      ['my-data/PartAnnotation/02691156/points/b.pts', [0, 2, 2]],
    ]);
    expect(d.problems).toEqual([
      {
        file: 'my-data/PartAnnotation/02691156/points_label/body/a.seg',
        line: 3,
        message: expect.stringMatching(/label 2 is not valid/),
      },
    ]);
  });

  it('refuses files that are no dataset, and no files at all, with one line', () => {
    const notData = new Map([
      ['a/notes.txt', text('hello')],
      ['b/more.txt', text('hello')],
    ]);
    expect(() => loadDatasetFromFiles(notData, {})).toThrow(/^not a ShapeNet part dataset/);
    expect(() => loadDatasetFromFiles(new Map(), {})).toThrow(/^no files were given$/);
    expect(() => loadDatasetFromFiles(new Map([['../x/metadata.json', text(metadata)]]), {})).toThrow(
      /is not inside the dataset/,
    );
  });
});
