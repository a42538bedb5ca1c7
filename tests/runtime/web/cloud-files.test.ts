import { describe, expect, it } from 'vitest';
import { capPoints } from '../../../runtime/web/demo/cloud-files.ts';
import { parseCloudFile } from '../../../src/core/formats/cloud-file.ts';
import { parsePly as parsePlyCloud } from '../../../src/core/formats/ply.ts';

const parsePly = (bytes: Uint8Array, file: string) => parsePlyCloud(bytes, file).points;
import { normalizeUnitSphere as normalizeToUnitSphere } from '../../../src/core/normalize.ts';
import { parseExecutionProviders } from '../../../runtime/web/execution-providers.ts';
import { Rng } from '../../../src/core/rng.ts';

const enc = new TextEncoder();

function randomCloud(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * 3 }, () => rng.uniform(-3, 5));
}

/** A binary PLY with an extra float property between the coordinates and a face list after the vertices. */
function binaryPly(xyz: Float32Array, little: boolean): Uint8Array {
  const n = xyz.length / 3;
  const header = enc.encode(
    `ply\nformat binary_${little ? 'little' : 'big'}_endian 1.0\ncomment made by a test\nelement vertex ${n}\n` +
      'property float x\nproperty uchar intensity\nproperty double y\nproperty float z\nproperty list uchar int extra\n' +
      'element face 1\nproperty list uchar int vertex_indices\nend_header\n',
  );
  const vertexBytes = 4 + 1 + 8 + 4 + 1 + 2 * 4;
  const body = new DataView(new ArrayBuffer(n * vertexBytes + 1 + 3 * 4));
  let at = 0;
  for (let i = 0; i < n; i++) {
    body.setFloat32(at, xyz[i * 3]!, little);
    body.setUint8(at + 4, 200);
    body.setFloat64(at + 5, xyz[i * 3 + 1]!, little);
    body.setFloat32(at + 13, xyz[i * 3 + 2]!, little);
    body.setUint8(at + 17, 2);
    body.setInt32(at + 18, 7, little);
    body.setInt32(at + 22, 9, little);
    at += vertexBytes;
  }
  body.setUint8(at, 3);
  const out = new Uint8Array(header.length + body.byteLength);
  out.set(header);
  out.set(new Uint8Array(body.buffer), header.length);
  return out;
}

describe('demo cloud files', () => {
  const xyz = randomCloud(50, 3);

  it('reads binary PLY in both byte orders, skipping other properties and lists', () => {
    expect(parsePly(binaryPly(xyz, true), 'a.ply')).toEqual(xyz);
    expect(parsePly(binaryPly(xyz, false), 'b.ply')).toEqual(xyz);
  });

  it('reads ASCII PLY and .pts, and the xyz of benchmark .txt rows', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${xyz[i * 3]} ${xyz[i * 3 + 1]} ${xyz[i * 3 + 2]}`);
    const ascii = `ply\r\nformat ascii 1.0\r\nelement vertex 50\r\nproperty float x\r\nproperty float y\r\nproperty float z\r\nend_header\r\n${rows.join('\n')}\n`;
    expect(parseCloudFile('c.PLY', enc.encode(ascii))).toEqual(xyz);
    expect(parseCloudFile('c.pts', enc.encode(rows.join('\n')))).toEqual(xyz);
    const txt = rows.map((r) => `${r} 0 0 1 47`).join('\n');
    expect(parseCloudFile('c.txt', enc.encode(txt))).toEqual(xyz);
  });

  it('names the file and line of bad input', () => {
    expect(() => parseCloudFile('bad.pts', enc.encode('1 2 3\n4 five 6\n'))).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', file: 'bad.pts', line: 2 }),
    );
    expect(() =>
      parsePly(enc.encode('ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nend_header\n1\n2\n'), 'noy.ply'),
    ).toThrow(/PLY vertex element has no y, z property/);
    expect(() => parsePly(binaryPly(xyz, true).subarray(0, 300), 'cut.ply')).toThrow(/truncated/);
    expect(() => parseCloudFile('mesh.obj', enc.encode('v 1 2 3'))).toThrow(/unsupported file type/);
  });

  it('caps huge clouds by even striding and leaves small ones alone', () => {
    expect(capPoints(xyz, 100)).toBe(xyz);
    const capped = capPoints(xyz, 10);
    expect(capped.length).toBe(30);
    expect(Array.from(capped.subarray(3, 6))).toEqual(Array.from(xyz.subarray(15, 18)));
  });
});

describe('browser runtime helpers', () => {
  it('normalises into the unit sphere around the centroid', () => {
    const out = normalizeToUnitSphere(randomCloud(200, 9));
    const n = out.length / 3;
    const mean = [0, 1, 2].map((a) => out.filter((_, i) => i % 3 === a).reduce((s, v) => s + v, 0) / n);
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(1e-5);
    let maxNorm = 0;
    for (let i = 0; i < n; i++) maxNorm = Math.max(maxNorm, Math.hypot(out[i * 3]!, out[i * 3 + 1]!, out[i * 3 + 2]!));
    expect(maxNorm).toBeCloseTo(1, 5);
  });

  it('accepts only the providers it has, listing them when asked for another', () => {
    expect(parseExecutionProviders(['webgpu', 'wasm'])).toEqual(['webgpu', 'wasm']);
    expect(() => parseExecutionProviders(['cuda'])).toThrow(/expected one of: webgpu, wasm/);
    expect(() => parseExecutionProviders([])).toThrow(/at least one/);
  });
});
