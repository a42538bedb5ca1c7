/**
 * Reads the vertex positions of a PLY file (ascii, binary_little_endian, binary_big_endian). Other elements and
 * vertex properties (normals, colours) are skipped; faces are ignored.
 */
import { PnetError } from '../../../src/errors.ts';

type ScalarType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

const SCALAR_ALIASES: Record<string, ScalarType> = {
  char: 'int8', int8: 'int8', uchar: 'uint8', uint8: 'uint8', short: 'int16', int16: 'int16', ushort: 'uint16',
  uint16: 'uint16', int: 'int32', int32: 'int32', uint: 'uint32', uint32: 'uint32', float: 'float32',
  float32: 'float32', double: 'float64', float64: 'float64',
};
const SCALAR_BYTES: Record<ScalarType, number> = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8 };

interface Property {
  name: string;
  type: ScalarType;
  /** Set for `property list <countType> <itemType> name`. */
  listCountType?: ScalarType;
}

interface Element {
  name: string;
  count: number;
  properties: Property[];
}

export function parsePly(bytes: Uint8Array, file: string): Float32Array {
  const headerEnd = findHeaderEnd(bytes, file);
  const header = new TextDecoder().decode(bytes.subarray(0, headerEnd)).split(/\r?\n/);
  if (header[0]?.trim() !== 'ply') throw new PnetError('BAD_INPUT', 'not a PLY file (no "ply" magic line)', { file, line: 1 });
  let format = '';
  const elements: Element[] = [];
  header.forEach((raw, i) => {
    const t = raw.trim().split(/\s+/);
    const bad = (why: string): never => {
      throw new PnetError('BAD_INPUT', why, { file, line: i + 1 });
    };
    if (t[0] === 'format') format = t[1] ?? '';
    else if (t[0] === 'element') elements.push({ name: t[1] ?? '', count: Number(t[2]), properties: [] });
    else if (t[0] === 'property') {
      const el = elements.at(-1) ?? bad('property before any element');
      if (t[1] === 'list') {
        el.properties.push({ name: t[4] ?? '', listCountType: scalar(t[2], bad), type: scalar(t[3], bad) });
      } else el.properties.push({ name: t[2] ?? '', type: scalar(t[1], bad) });
    }
  });
  const vertexIndex = elements.findIndex((e) => e.name === 'vertex');
  if (vertexIndex < 0) throw new PnetError('BAD_INPUT', 'PLY file has no vertex element', { file });
  const vertex = elements[vertexIndex]!;
  const axes = ['x', 'y', 'z'].map((a) => vertex.properties.findIndex((p) => p.name === a && !p.listCountType));
  if (axes.some((a) => a < 0)) throw new PnetError('BAD_INPUT', 'PLY vertex element lacks x, y or z', { file });
  if (!Number.isInteger(vertex.count) || vertex.count <= 0) throw new PnetError('BAD_INPUT', 'PLY file has no vertices', { file });
  if (elements.slice(0, vertexIndex).some((e) => e.count > 0)) {
    throw new PnetError('BAD_INPUT', 'PLY elements before "vertex" are not supported', { file });
  }
  const body = bytes.subarray(headerEnd);
  if (format === 'ascii') return readAscii(body, vertex, axes, file);
  if (format === 'binary_little_endian' || format === 'binary_big_endian') {
    return readBinary(body, vertex, axes, format === 'binary_little_endian', file);
  }
  throw new PnetError('BAD_INPUT', `unsupported PLY format "${format}"`, { file });
}

function scalar(name: string | undefined, bad: (why: string) => never): ScalarType {
  return SCALAR_ALIASES[name ?? ''] ?? bad(`unknown PLY property type "${name}"`);
}

function findHeaderEnd(bytes: Uint8Array, file: string): number {
  const marker = new TextEncoder().encode('end_header');
  const limit = Math.min(bytes.length, 64 * 1024);
  outer: for (let i = 0; i + marker.length <= limit; i++) {
    for (let j = 0; j < marker.length; j++) if (bytes[i + j] !== marker[j]) continue outer;
    let end = i + marker.length;
    if (bytes[end] === 0x0d) end++;
    if (bytes[end] === 0x0a) end++;
    return end;
  }
  throw new PnetError('BAD_INPUT', 'not a PLY file (no end_header in the first 64 KiB)', { file });
}

function readAscii(body: Uint8Array, vertex: Element, axes: number[], file: string): Float32Array {
  const lines = new TextDecoder().decode(body).split(/\r?\n/);
  const out = new Float32Array(vertex.count * 3);
  for (let i = 0; i < vertex.count; i++) {
    const t = (lines[i] ?? '').trim().split(/\s+/);
    for (let a = 0; a < 3; a++) {
      const v = Number(t[axes[a]!]);
      if (!Number.isFinite(v)) throw new PnetError('BAD_INPUT', `vertex ${i} has no finite ${'xyz'[a]}`, { file });
      out[i * 3 + a] = v;
    }
  }
  return out;
}

function readBinary(body: Uint8Array, vertex: Element, axes: number[], little: boolean, file: string): Float32Array {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out = new Float32Array(vertex.count * 3);
  let pos = 0;
  const read = (type: ScalarType): number => {
    if (pos + SCALAR_BYTES[type] > view.byteLength) throw new PnetError('BAD_INPUT', 'PLY file is truncated', { file });
    const at = pos;
    pos += SCALAR_BYTES[type];
    switch (type) {
      case 'int8': return view.getInt8(at);
      case 'uint8': return view.getUint8(at);
      case 'int16': return view.getInt16(at, little);
      case 'uint16': return view.getUint16(at, little);
      case 'int32': return view.getInt32(at, little);
      case 'uint32': return view.getUint32(at, little);
      case 'float32': return view.getFloat32(at, little);
      case 'float64': return view.getFloat64(at, little);
    }
  };
  for (let i = 0; i < vertex.count; i++) {
    vertex.properties.forEach((p, k) => {
      if (p.listCountType) {
        const n = read(p.listCountType);
        for (let j = 0; j < n; j++) read(p.type);
        return;
      }
      const v = read(p.type);
      const a = axes.indexOf(k);
      if (a >= 0) out[i * 3 + a] = v;
    });
  }
  return out;
}
