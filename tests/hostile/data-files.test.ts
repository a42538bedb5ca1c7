/**
 * Malformed dataset files, generated: each one among good clouds, through `pnet data check` (listed as a problem,
 * exit 0) and `--strict` (one line naming file and line, exit 1); the dataset is never changed.
 */
import { symlinkSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudText, flags, goodCloud, writePartAnnotation, type FixtureCloud } from '../data/fixtures.ts';
import { expectCleanFailure, expectNoStackTrace, expectUnchanged, pnet, snapshot } from './harness.ts';

const POINTS = 'PartAnnotation/02691156/points';

interface BadCase {
  what: string;
  cloud: FixtureCloud;
  /** The file the error names, relative to the dataset root, and its line. */
  file: string;
  line?: number;
  message: RegExp;
}

const pts = (lines: string[]): FixtureCloud => ({ id: 'bad', pts: lines.join('\n') + '\n', segs: {} });

/** A coordinate in the second line of an otherwise good cloud. */
const coordinate = (token: string, message: RegExp): BadCase => ({
  what: `coordinate ${token}`,
  cloud: pts(['0 0 0', `1 ${token} 1`, '2 2 2']),
  file: `${POINTS}/bad.pts`,
  line: 2,
  message,
});

const cases: BadCase[] = [
  // Beyond float32: finite as float64, Infinity once stored.
  ...['1e39', '-1e39', '3.5e38', '1e308', '-4e38'].map((t) => coordinate(t, /beyond the float32 range/)),
  // Notations Number() reads but a point file does not mean.
  ...['0x10', '0b1', '0o7', '0XFF', '0B11'].map((t) => coordinate(t, /not a decimal number/)),
  ...['NaN', 'abc', '1,5', '--1', '1e', '∞'].map((t) => coordinate(t, /not a number/)),
  ...['Infinity', '-Infinity', '1e400'].map((t) => coordinate(t, /non-finite value/)),
  {
    what: 'a short row',
    cloud: pts(['0 0 0', '1 1']),
    file: `${POINTS}/bad.pts`,
    line: 2,
    message: /expected 3 columns/,
  },
  {
    what: 'a long row',
    cloud: pts(['0 0 0', '1 1 1 1']),
    file: `${POINTS}/bad.pts`,
    line: 2,
    message: /expected 3 columns/,
  },
  {
    what: 'a blank line inside',
    cloud: pts(['0 0 0', '', '1 1 1']),
    file: `${POINTS}/bad.pts`,
    line: 2,
    message: /expected 3 columns/,
  },
  { what: 'an empty file', cloud: { id: 'bad', pts: '', segs: {} }, file: `${POINTS}/bad.pts`, message: /empty file/ },
  {
    what: 'only whitespace',
    cloud: { id: 'bad', pts: '  \n\t\n', segs: {} },
    file: `${POINTS}/bad.pts`,
    message: /empty file/,
  },
  ...[
    ['2', /label 2 is not valid/],
    ['-1', /label -1 is not valid/],
    ['1.5', /not an integer/],
    ['4294967297', /out of range/],
    ['1e39', /beyond the float32 range/],
    ['0x1', /not a decimal number/],
  ].map(([label, message]) => ({
    what: `label ${label}`,
    cloud: { id: 'bad', pts: cloudText(3), segs: { body: `0\n${label}\n0\n` } },
    file: 'PartAnnotation/02691156/points_label/body/bad.seg',
    line: 2,
    message: message as RegExp,
  })),
  {
    what: 'fewer labels than points',
    cloud: { id: 'bad', pts: cloudText(4), segs: { wing: flags(3, () => true) } },
    file: 'PartAnnotation/02691156/points_label/wing/bad.seg',
    message: /3 labels but the cloud has 4 points/,
  },
];

describe('hostile dataset files: pnet data check', () => {
  for (const c of cases) {
    it(`${c.what}: listed without --strict, one line with it; the dataset is untouched`, async () => {
      const root = writePartAnnotation([goodCloud('a'), c.cloud, goodCloud('z')]);
      try {
        const before = await snapshot(root);
        const file = join(root, c.file);
        const listed = await pnet('data', 'check', root);
        expectNoStackTrace(listed);
        expect(listed.code, listed.stderr).toBe(0);
        expect(listed.stdout).toMatch(/2 clouds loaded/);
        expect(listed.stdout).toContain(`  ${file}${c.line ? `:${c.line}` : ''}: `);
        const strict = await pnet('data', 'check', root, '--strict');
        expectCleanFailure(strict, { file, line: c.line, message: c.message });
        await expectUnchanged(root, before);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }

  it('a dangling symbolic link is a listed problem, not a crash (with and without --strict)', async () => {
    const root = writePartAnnotation([goodCloud('a'), goodCloud('z')]);
    try {
      const link = join(root, POINTS, 'gone.pts');
      symlinkSync(join(root, 'nowhere.pts'), link);
      const before = await snapshot(root);
      const listed = await pnet('data', 'check', root);
      expectNoStackTrace(listed);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain(`  ${link}: cannot read: ENOENT`);
      expectCleanFailure(await pnet('data', 'check', root, '--strict'), { file: link, message: /cannot read/ });
      await expectUnchanged(root, before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a category whose folder is missing: nothing loaded is a failure, not "no problems"', async () => {
    const root = writePartAnnotation([goodCloud('a')]);
    try {
      rmSync(join(root, POINTS), { recursive: true });
      mkdirSync(join(root, 'PartAnnotation', '02691156'), { recursive: true });
      const r = await pnet('data', 'check', root);
      expectCleanFailure(r, { file: root, message: /no clouds loaded/ });
      expect(r.stdout).toMatch(/points folder is missing/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
