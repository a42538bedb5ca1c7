/**
 * Cloud files as `pnet infer` takes them, generated: PLY variants that must read exactly like the same points in
 * a .pts file, broken PLY and .pts files that must fail in one line naming the file (and line), and clouds whose
 * size makes the labels meaningless, which must be labelled with a warning. Inputs are never changed.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPts } from '../../src/core/formats/pts.ts';
import { Rng } from '../../src/core/rng.ts';
import { tinyOnnx } from '../helpers/tiny-model.ts';
import { expectCleanFailure, expectNoStackTrace, expectUnchanged, pnet, snapshot } from './harness.ts';
import { concat } from '../helpers/bytes.ts';

let dir: string;
let model: string;
const N = 40;
let xyz: Float32Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-hostile-clouds-'));
  model = await tinyOnnx(dir);
  const rng = new Rng(21);
  xyz = Float32Array.from({ length: N * 3 }, () => rng.uniform(-1, 1));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

interface PlySpec {
  comments?: string[];
  encodeHeader?: (s: string) => Uint8Array;
  endian?: 'little' | 'big';
  type?: 'float' | 'double';
  /** Declared vertex count (default the real one). */
  declared?: number;
  /** Extra uchar property after z. */
  extraProperty?: boolean;
  points?: ArrayLike<number>;
  eol?: string;
}

function binaryPly(spec: PlySpec = {}): Uint8Array {
  const points = spec.points ?? xyz;
  const n = points.length / 3;
  const type = spec.type ?? 'float';
  const eol = spec.eol ?? '\n';
  const header =
    [
      'ply',
      `format binary_${spec.endian ?? 'little'}_endian 1.0`,
      ...(spec.comments ?? []).map((c) => `comment ${c}`),
      `element vertex ${spec.declared ?? n}`,
      `property ${type} x`,
      `property ${type} y`,
      `property ${type} z`,
      ...(spec.extraProperty ? ['property uchar quality'] : []),
      'end_header',
    ].join(eol) + eol;
  const size = type === 'float' ? 4 : 8;
  const row = 3 * size + (spec.extraProperty ? 1 : 0);
  const body = new DataView(new ArrayBuffer(n * row));
  const little = (spec.endian ?? 'little') === 'little';
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      if (type === 'float') body.setFloat32(i * row + c * size, points[i * 3 + c]!, little);
      else body.setFloat64(i * row + c * size, points[i * 3 + c]!, little);
    }
    if (spec.extraProperty) body.setUint8(i * row + 3 * size, 200);
  }
  return concat((spec.encodeHeader ?? utf8)(header), new Uint8Array(body.buffer));
}

function asciiPly(rows: string[], declared = rows.length, eol = '\n'): Uint8Array {
  const header = [
    'ply',
    'format ascii 1.0',
    `element vertex ${declared}`,
    'property float x',
    'property float y',
    'property float z',
    'end_header',
  ];
  return utf8([...header, ...rows].join(eol) + eol);
}

const asciiRows = (): string[] =>
  Array.from({ length: N }, (_, i) => `${xyz[i * 3]} ${xyz[i * 3 + 1]} ${xyz[i * 3 + 2]}`);

/** Labels pnet infer writes for one input file. */
async function labelsOf(name: string, bytes: Uint8Array | string): Promise<string> {
  const folder = join(dir, `in-${name.replace(/\W/g, '_')}`);
  await mkdir(folder, { recursive: true });
  const file = join(folder, name);
  await writeFile(file, bytes);
  const out = join(dir, `out-${name.replace(/\W/g, '_')}`);
  const before = await snapshot(folder);
  const r = await pnet('infer', model, file, '--out', out);
  expectNoStackTrace(r);
  expect(r.code, r.stderr).toBe(0);
  await expectUnchanged(folder, before);
  return readFile(join(out, name.replace(/\.\w+$/, '.seg')), 'utf8');
}

describe('hostile clouds: PLY variants read exactly like the same points in a .pts file', () => {
  const variants: Array<[string, () => Uint8Array]> = [
    ['a UTF-8 comment with umlauts', () => binaryPly({ comments: ['scanned by Jürgen Müller'] })],
    [
      'a latin1 comment byte',
      () => binaryPly({ comments: ['scanned by J\u00fcrgen M\u00fcller \u00e9t\u00e9'], encodeHeader: latin1 }),
    ],
    ['several non-ASCII comments (CJK, emoji)', () => binaryPly({ comments: ['点群', 'ok 🚀', 'Ærø ©'] })],
    ['big-endian floats', () => binaryPly({ endian: 'big' })],
    ['double coordinates', () => binaryPly({ type: 'double' })],
    ['an extra property per vertex', () => binaryPly({ extraProperty: true, comments: ['Jürgen'] })],
    ['CRLF header lines', () => binaryPly({ eol: '\r\n', comments: ['Müller'] })],
    ['ASCII with CRLF', () => asciiPly(asciiRows(), N, '\r\n')],
  ];
  let reference: string;
  beforeAll(async () => {
    reference = await labelsOf('reference.pts', formatPts(xyz));
  });
  for (const [what, bytes] of variants) {
    it(what, async () => {
      expect(await labelsOf(`${what}.ply`, bytes())).toBe(reference);
    });
  }
});

describe('hostile clouds: broken files fail in one line naming the file (and line)', () => {
  const header = (lines: string[]) => utf8(['ply', ...lines].join('\n') + '\n');
  const cases: Array<{ what: string; name: string; bytes: () => Uint8Array | string; line?: number; message: RegExp }> =
    [
      {
        what: '2,000,000,000 declared vertices (binary)',
        name: 'huge.ply',
        bytes: () => binaryPly({ declared: 2_000_000_000 }),
        message: /truncated: the header declares 2000000000 vertices/,
      },
      {
        what: '2^53 declared vertices',
        name: 'huger.ply',
        bytes: () => binaryPly({ declared: 2 ** 53 }),
        message: /truncated: the header declares/,
      },
      {
        what: '2,000,000,000 declared vertices (ASCII)',
        name: 'huge-ascii.ply',
        bytes: () => asciiPly(asciiRows(), 2_000_000_000),
        message: /truncated: the header declares/,
      },
      {
        what: 'fewer declared vertices than the binary body holds',
        name: 'few.ply',
        bytes: () => binaryPly({ declared: N - 1 }),
        message: /12 bytes follow the 39 vertices/,
      },
      {
        what: 'fewer declared vertices than the ASCII body holds',
        name: 'few-ascii.ply',
        bytes: () => asciiPly(asciiRows(), N - 3),
        line: 8 + N - 3,
        message: /more rows than the 37 vertices/,
      },
      { what: 'a truncated binary body', name: 'cut.ply', bytes: () => binaryPly().slice(0, -5), message: /truncated/ },
      {
        what: 'no end_header',
        name: 'open.ply',
        bytes: () => header(['format ascii 1.0', 'element vertex 1', 'property float x']),
        message: /no end_header/,
      },
      {
        what: 'an unknown format',
        name: 'fmt.ply',
        bytes: () => header(['format binary_middle_endian 1.0', 'end_header']),
        line: 2,
        message: /unknown PLY format/,
      },
      {
        what: 'no z property',
        name: 'noz.ply',
        bytes: () =>
          header(['format ascii 1.0', 'element vertex 1', 'property float x', 'property float y', 'end_header', '1 2']),
        message: /no z property/,
      },
      { what: 'not a PLY file', name: 'text.ply', bytes: () => '1 2 3\n', line: 1, message: /not a PLY file/ },
      {
        what: 'a NaN in a binary body',
        name: 'nan.ply',
        bytes: () => binaryPly({ points: [0, 0, 0, 1, NaN, 1] }),
        message: /vertex 2 has a non-finite coordinate/,
      },
      {
        what: 'a double beyond float32',
        name: 'big.ply',
        bytes: () => binaryPly({ type: 'double', points: [0, 0, 0, 1, 1e39, 1] }),
        message: /vertex 2 has a coordinate beyond the float32 range/,
      },
      {
        what: 'an ASCII coordinate beyond float32',
        name: 'big-ascii.ply',
        bytes: () => asciiPly(['0 0 0', '1 1e39 1']),
        line: 9,
        message: /beyond the float32 range/,
      },
      {
        what: 'an ASCII hex coordinate',
        name: 'hex-ascii.ply',
        bytes: () => asciiPly(['0 0 0', '1 0x10 1']),
        line: 9,
        message: /not a decimal number/,
      },
      {
        what: 'a .pts coordinate beyond float32',
        name: 'big.pts',
        bytes: () => '0 0 0\n1 1e39 1\n',
        line: 2,
        message: /beyond the float32 range/,
      },
      {
        what: 'a .pts hex coordinate',
        name: 'hex.pts',
        bytes: () => '0 0 0\n0b1 1 1\n',
        line: 2,
        message: /not a decimal number/,
      },
    ];
  for (const c of cases) {
    it(c.what, async () => {
      const folder = join(dir, `bad-${c.name}`);
      await mkdir(folder, { recursive: true });
      const file = join(folder, c.name);
      await writeFile(file, c.bytes());
      const before = await snapshot(folder);
      const r = await pnet('infer', model, file, '--out', join(dir, `out-bad-${c.name}`));
      expectCleanFailure(r, { file, line: c.line, message: c.message });
      await expectUnchanged(folder, before);
    });
  }
});

describe('hostile clouds: sizes that make the labels meaningless are labelled with a warning', () => {
  const cases: Array<[string, (p: Float32Array) => Float32Array]> = [
    ['a cloud at the scale of 1e19', (p) => p.map((v) => v * 1e19)],
    ['one stray point at 1e30', (p) => Float32Array.from(p, (v, i) => (i === 5 ? 1e30 : v))],
    ['every point the same', (p) => p.map(() => 0.5)],
    // Multiples of float32's smallest subnormal (1.4e-45): distinct points that a flush-to-zero runtime reads as 0.
    ['distinct subnormal points (1e-45 apart)', (p) => p.map((v) => Math.round(v * 100) * 2 ** -149)],
  ];
  for (const [what, transform] of cases) {
    it(what, async () => {
      const folder = join(dir, `extent-${what.replace(/\W/g, '_')}`);
      await mkdir(folder, { recursive: true });
      const file = join(folder, 'cloud.pts');
      await writeFile(file, formatPts(transform(xyz)));
      const r = await pnet('infer', model, file, '--out', join(folder, 'out'));
      expectNoStackTrace(r);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`pnet: warning: ${file}: `);
      expect(r.stdout).toMatch(/1 cloud\(s\) labelled with a warning/);
    });
  }

  it('a cloud of ordinary size gets no warning', async () => {
    const folder = join(dir, 'extent-ok');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'cloud.pts'), formatPts(xyz.map((v) => v * 1e6)));
    const r = await pnet('infer', model, join(folder, 'cloud.pts'), '--out', join(folder, 'out'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/warning/);
  });
});
