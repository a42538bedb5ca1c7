import { describe, expect, it } from 'vitest';
import { PnetError } from '../../src/core/errors.ts';
import { loadDataset } from '../../src/data/index.ts';
import { cloudText, flags, goodCloud, writeBenchmarkV0, writePartAnnotation, type FixtureCloud } from './fixtures.ts';

/** Each case: one broken cloud among good ones, the file it must name, the line, and the message. */
const cases: Array<{ what: string; cloud: FixtureCloud; file: RegExp; line?: number; message: RegExp }> = [
  {
    what: 'a non-numeric token',
    cloud: { id: 'bad', pts: '0 0 0\n1 1 abc\n2 2 2\n', segs: {} },
    file: /points\/bad\.pts$/,
    line: 2,
    message: /not a number: "abc"/,
  },
  {
    what: 'a wrong column count',
    cloud: { id: 'bad', pts: '0 0 0\n1 1 1\n2 2\n', segs: {} },
    file: /points\/bad\.pts$/,
    line: 3,
    message: /expected 3 columns.*found 2/,
  },
  {
    what: 'NaN',
    cloud: { id: 'bad', pts: '0 0 0\nNaN 1 1\n', segs: {} },
    file: /points\/bad\.pts$/,
    line: 2,
    message: /not a number: "NaN"/,
  },
  {
    what: 'Infinity',
    cloud: { id: 'bad', pts: '0 0 0\n1 Infinity 1\n', segs: {} },
    file: /points\/bad\.pts$/,
    line: 2,
    message: /non-finite value: Infinity/,
  },
  {
    what: 'a coordinate beyond the float32 range',
    cloud: { id: 'bad', pts: '0 0 0\n1 1e39 1\n', segs: {} },
    file: /points\/bad\.pts$/,
    line: 2,
    message: /1e39 is beyond the float32 range/,
  },
  {
    what: 'a negative coordinate beyond the float32 range',
    cloud: { id: 'bad', pts: '0 0 0\n1 1 1\n-3.5e38 0 0\n', segs: {} },
    file: /points\/bad\.pts$/,
    line: 3,
    message: /beyond the float32 range/,
  },
  ...['0x10', '0b1', '0o7', '0X1F'].map((token) => ({
    what: `the non-decimal number ${token}`,
    cloud: { id: 'bad', pts: `0 0 0\n1 ${token} 1\n`, segs: {} },
    file: /points\/bad\.pts$/,
    line: 2,
    message: new RegExp(`not a decimal number: "${token}"`),
  })),
  {
    what: 'a label too large for an int32 (it would wrap into another label)',
    cloud: { id: 'bad', pts: cloudText(3), segs: { body: '0\n4294967297\n0\n' } },
    file: /points_label\/body\/bad\.seg$/,
    line: 2,
    message: /label 4294967297 is out of range/,
  },
  {
    what: 'an empty file',
    cloud: { id: 'bad', pts: '', segs: {} },
    file: /points\/bad\.pts$/,
    message: /empty file/,
  },
  {
    what: 'a label count different from the point count',
    cloud: { id: 'bad', pts: cloudText(6), segs: { wing: flags(5, () => true) } },
    file: /points_label\/wing\/bad\.seg$/,
    message: /5 labels but the cloud has 6 points/,
  },
  {
    what: 'a label that is not 0/1',
    cloud: { id: 'bad', pts: cloudText(4), segs: { body: '0\n1\n2\n0\n' } },
    file: /points_label\/body\/bad\.seg$/,
    line: 3,
    message: /label 2 is not valid/,
  },
];

describe('bad input: one clear error naming the file and line', () => {
  for (const c of cases) {
    it(`${c.what}: skipped with a problem by default, fatal with strict`, async () => {
      const root = writePartAnnotation([goodCloud('a'), c.cloud, goodCloud('z')]);
      const d = await loadDataset(root, { cache: false });
      expect(d.clouds.map((x) => x.id)).toEqual(['a', 'z']);
      expect(d.problems).toHaveLength(1);
      const p = d.problems[0]!;
      expect(p.file).toMatch(c.file);
      expect(p.message).toMatch(c.message);
      if (c.line !== undefined) expect(p.line).toBe(c.line);

      const err = await loadDataset(root, { cache: false, strict: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PnetError);
      expect((err as PnetError).code).toBe('BAD_INPUT');
      expect((err as PnetError).file).toMatch(c.file);
      if (c.line !== undefined) expect((err as PnetError).describe()).toContain(`:${c.line}: `);
    });
  }

  it('an invalid part id in the benchmark layout', async () => {
    const root = writeBenchmarkV0([
      { id: 'ok', pts: cloudText(3), seg: '1\n2\n4\n' },
      { id: 'bad', pts: cloudText(3), seg: '1\n5\n2\n' },
    ]);
    const d = await loadDataset(root, { cache: false });
    expect(d.format).toBe('benchmark');
    expect(d.clouds.map((c) => c.id)).toEqual(['ok']);
    expect(Array.from(d.clouds[0]!.labels!)).toEqual([0, 1, 3]);
    expect(d.problems[0]).toMatchObject({
      line: 2,
      message: expect.stringMatching(/part id 5 is not valid here \(expected 1–4\)/),
    });
    expect(d.problems[0]!.file).toMatch(/points_label\/bad\.seg$/);
  });

  it('a missing metadata entry', async () => {
    const root = writePartAnnotation([goodCloud('a')], JSON.stringify({ Airplane: { directory: '02691156' } }));
    await expect(loadDataset(root, { cache: false })).rejects.toThrow(/needs "directory" and "lables"/);
    const broken = writePartAnnotation([goodCloud('a')], '{ "Airplane": ');
    const err = (await loadDataset(broken, { cache: false }).catch((e: unknown) => e)) as PnetError;
    expect(err.describe()).toMatch(/metadata\.json: metadata is not valid JSON/);
  });

  it('a directory that is no dataset', async () => {
    await expect(loadDataset('/nonexistent/pnet-data', { cache: false })).rejects.toThrow(/does not exist/);
    await expect(loadDataset(writeBenchmarkV0([]) + '/02691156', { cache: false })).rejects.toThrow(
      /not a ShapeNet part dataset/,
    );
  });
});

describe('PartAnnotation labels', () => {
  it('accepts "labels" as well as "lables"; a point of no part is `none`; a cloud without label files is unlabelled', async () => {
    const meta = JSON.stringify({ Airplane: { directory: '02691156', labels: ['wing', 'body'] } });
    const root = writePartAnnotation([goodCloud('a'), { id: 'u', pts: cloudText(4), segs: {} }], meta);
    const d = await loadDataset(root, { cache: false });
    expect(d.classes.names).toEqual(['wing', 'body', 'none']);
    expect(Array.from(d.clouds[0]!.labels!)).toEqual([0, 0, 1, 1, 1, 2]);
    expect(d.clouds[1]!.labels).toBeNull();
  });
});
