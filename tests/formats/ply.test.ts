import { describe, expect, it } from 'vitest';
import { parsePly, writePly } from '../../src/core/formats/ply.ts';
import { PnetError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { concat } from '../helpers/bytes.ts';

const enc = new TextEncoder();
const PALETTE: Array<[number, number, number]> = [
  [255, 0, 0],
  [0, 128, 255],
  [10, 20, 30],
];

function cloud(n: number, seed = 1): { points: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  return {
    points: Float32Array.from({ length: n * 3 }, () => rng.uniform(-1.5, 1.5)),
    labels: Int32Array.from({ length: n }, () => rng.int(3)),
  };
}

function expectBadInput(fn: () => unknown, pattern: RegExp, line?: number): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PnetError);
    expect((e as PnetError).code).toBe('BAD_INPUT');
    expect((e as PnetError).file).toBe('c.ply');
    expect((e as PnetError).message).toMatch(pattern);
    if (line !== undefined) expect((e as PnetError).line).toBe(line);
    return;
  }
  throw new Error('expected BAD_INPUT');
}

describe('writePly → parsePly', () => {
  for (const encoding of ['ascii', 'binary'] as const) {
    it(`round-trips points exactly and labels (${encoding})`, () => {
      const c = cloud(200);
      const bytes = writePly({ ...c, palette: PALETTE, comments: ['classes: a, b, c'] }, encoding);
      const back = parsePly(bytes, 'c.ply');
      expect(Array.from(back.points)).toEqual(Array.from(c.points));
      expect(Array.from(back.labels!)).toEqual(Array.from(c.labels));
    });
  }

  it('colours each vertex by its label (ASCII body checked by column)', () => {
    const c = cloud(30, 2);
    const text = new TextDecoder().decode(writePly({ ...c, palette: PALETTE }, 'ascii'));
    const header = text.slice(0, text.indexOf('end_header\n'));
    expect(header).toMatch(/^ply\nformat ascii 1\.0\n/);
    expect(header).toContain('element vertex 30\n');
    expect(header).toMatch(/property uchar red\nproperty uchar green\nproperty uchar blue\nproperty int label\n$/);
    const rows = text
      .slice(text.indexOf('end_header\n') + 11)
      .trim()
      .split('\n');
    expect(rows).toHaveLength(30);
    rows.forEach((row, i) => {
      const t = row.split(' ').map(Number);
      expect(t.slice(3, 6)).toEqual(PALETTE[c.labels[i]!]);
      expect(t[6]).toBe(c.labels[i]);
    });
  });

  it('writes binary rows of 19 bytes after the header', () => {
    const c = cloud(10, 3);
    const bytes = writePly({ ...c, palette: PALETTE }, 'binary');
    const headerEnd = new TextDecoder().decode(bytes).indexOf('end_header\n') + 11;
    expect(bytes.length - headerEnd).toBe(10 * 19);
    const view = new DataView(bytes.buffer, bytes.byteOffset + headerEnd);
    expect(view.getFloat32(19 + 4, true)).toBe(c.points[4]);
    expect(view.getUint8(19 + 12)).toBe(PALETTE[c.labels[1]!]![0]);
  });

  it('refuses a label without a colour', () => {
    expect(() => writePly({ points: new Float32Array(3), labels: [5], palette: PALETTE })).toThrow(/label 5/);
  });
});

describe('parsePly on files written by other tools', () => {
  it('reads doubles among other properties, skipping a face element (binary little endian)', () => {
    const header = enc.encode(
      'ply\nformat binary_little_endian 1.0\ncomment made by hand\nelement vertex 2\nproperty double x\nproperty double y\n' +
        'property float nx\nproperty double z\nproperty uchar intensity\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n',
    );
    const body = new DataView(new ArrayBuffer(2 * 29 + 1 + 12));
    [
      [0.5, -1, 9, 2, 7],
      [1.25, 3, 9, 4, 8],
    ].forEach(([x, y, nx, z, i], r) => {
      const o = r * 29;
      body.setFloat64(o, x!, true);
      body.setFloat64(o + 8, y!, true);
      body.setFloat32(o + 16, nx!, true);
      body.setFloat64(o + 20, z!, true);
      body.setUint8(o + 28, i!);
    });
    body.setUint8(58, 3);
    const back = parsePly(concat(header, new Uint8Array(body.buffer)), 'c.ply');
    expect(Array.from(back.points)).toEqual([0.5, -1, 2, 1.25, 3, 4]);
    expect(back.labels).toBeNull();
  });

  it('reads big-endian files', () => {
    const header = enc.encode(
      'ply\nformat binary_big_endian 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n',
    );
    const body = new DataView(new ArrayBuffer(12));
    body.setFloat32(0, 1.5, false);
    body.setFloat32(4, -2, false);
    body.setFloat32(8, 0.25, false);
    expect(Array.from(parsePly(concat(header, new Uint8Array(body.buffer)), 'c.ply').points)).toEqual([1.5, -2, 0.25]);
  });

  it('reads ASCII with CRLF line ends and property order other than x y z', () => {
    const text =
      'ply\r\nformat ascii 1.0\r\nelement vertex 2\r\nproperty float z\r\nproperty float x\r\nproperty float y\r\nend_header\r\n3 1 2\r\n6 4 5\r\n';
    expect(Array.from(parsePly(enc.encode(text), 'c.ply').points)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('parsePly errors name the file (and the line for ASCII)', () => {
  const head = (n: number) =>
    `ply\nformat ascii 1.0\nelement vertex ${n}\nproperty float x\nproperty float y\nproperty float z\nend_header\n`;

  it('rejects files that are not PLY', () => {
    expectBadInput(() => parsePly(enc.encode('1 2 3\n'), 'c.ply'), /not a PLY file/, 1);
    expectBadInput(() => parsePly(enc.encode('ply\nformat ascii 1.0\nelement vertex 1\n'), 'c.ply'), /no end_header/);
    expectBadInput(
      () => parsePly(enc.encode('ply\nformat weird 1.0\nend_header\n'), 'c.ply'),
      /unknown PLY format "weird"/,
      2,
    );
  });

  it('rejects a cloud without xyz or without points', () => {
    expectBadInput(
      () => parsePly(enc.encode('ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nend_header\n1\n'), 'c.ply'),
      /no y, z property/,
    );
    expectBadInput(() => parsePly(enc.encode(head(0)), 'c.ply'), /0 points/);
  });

  it('points at the line with a NaN, a wrong column count, or missing rows', () => {
    expectBadInput(() => parsePly(enc.encode(head(2) + '1 2 3\n4 nan 6\n'), 'c.ply'), /not a finite number: "nan"/, 9);
    expectBadInput(
      () => parsePly(enc.encode(head(2) + '1 2 3\n4 5\n'), 'c.ply'),
      /expected 3 values per vertex \(x y z\), found 2/,
      9,
    );
    expectBadInput(
      () => parsePly(enc.encode(head(3) + '1 2 3\n'), 'c.ply'),
      /expected 3 values per vertex|ends after 1 of 3/,
      9,
    );
  });

  it('rejects truncated and non-finite binary data', () => {
    const c = cloud(4);
    const bytes = writePly({ ...c, palette: PALETTE }, 'binary');
    expectBadInput(() => parsePly(bytes.subarray(0, bytes.length - 3), 'c.ply'), /truncated/);
    c.points[5] = NaN;
    expectBadInput(
      () => parsePly(writePly({ ...c, palette: PALETTE }, 'binary'), 'c.ply'),
      /vertex 2 has a non-finite coordinate/,
    );
  });
});

describe('hostile PLY headers', () => {
  function binaryPly(
    headerLines: string[],
    xyz: number[],
    encoder: (s: string) => Uint8Array = (s) => enc.encode(s),
  ): Uint8Array {
    const header = encoder(
      [
        'ply',
        'format binary_little_endian 1.0',
        ...headerLines,
        'property float x',
        'property float y',
        'property float z',
        'end_header',
        '',
      ].join('\n'),
    );
    const body = new Uint8Array(new Float32Array(xyz).buffer);
    return concat(header, body);
  }

  for (const [what, encoder] of [
    ['UTF-8', (s: string) => enc.encode(s)],
    ['latin1', (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0))],
  ] as const) {
    it(`reads coordinates in place after a non-ASCII ${what} comment`, () => {
      const xyz = [1.5, 2.5, 3.5, -4, 5, -6];
      const bytes = binaryPly(['comment scanned by Jürgen Müller ©', 'element vertex 2'], xyz, encoder);
      expect(Array.from(parsePly(bytes, 'c.ply').points)).toEqual(xyz);
    });
  }

  it('refuses a declared vertex count the file cannot hold, before allocating it', () => {
    expectBadInput(
      () => parsePly(binaryPly(['element vertex 2000000000'], [1, 2, 3]), 'c.ply'),
      /truncated: the header declares 2000000000 vertices/,
    );
    const ascii = enc.encode(
      'ply\nformat ascii 1.0\nelement vertex 2000000000\nproperty float x\nproperty float y\nproperty float z\nend_header\n1 2 3\n',
    );
    expectBadInput(() => parsePly(ascii, 'c.ply'), /truncated: the header declares 2000000000 vertices/);
  });

  it('refuses a body that holds more vertices than the header declares', () => {
    expectBadInput(
      () => parsePly(binaryPly(['element vertex 1'], [1, 2, 3, 4, 5, 6]), 'c.ply'),
      /12 bytes follow the 1 vertices/,
    );
    const ascii = enc.encode(
      'ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n1 2 3\n4 5 6\n',
    );
    expectBadInput(() => parsePly(ascii, 'c.ply'), /more rows than the 1 vertices/, 9);
  });
});
