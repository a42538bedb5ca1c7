/**
 * PLY point clouds (Stanford polygon format): reads the vertex positions of ASCII and binary files, writes
 * segmented clouds with per-vertex colours and labels that MeshLab, CloudCompare and three.js open directly.
 */
import { PnetError } from '../errors.ts';
import { float32TokenProblem } from './text-table.ts';

type PlyFormat = 'ascii' | 'binary_little_endian' | 'binary_big_endian';

const SCALAR_TYPES = {
  char: 1,
  int8: 1,
  uchar: 1,
  uint8: 1,
  short: 2,
  int16: 2,
  ushort: 2,
  uint16: 2,
  int: 4,
  int32: 4,
  uint: 4,
  uint32: 4,
  float: 4,
  float32: 4,
  double: 8,
  float64: 8,
} as const;
type ScalarType = keyof typeof SCALAR_TYPES;

interface PlyProperty {
  name: string;
  type: ScalarType;
  /** Set for `property list <countType> <type> name`. */
  countType?: ScalarType;
}

interface PlyElement {
  name: string;
  count: number;
  properties: PlyProperty[];
}

interface PlyHeader {
  format: PlyFormat;
  elements: PlyElement[];
  /** Byte offset of the first data byte. */
  dataStart: number;
  /** 1-based line number of the first data line (for ASCII error messages). */
  dataLine: number;
}

export interface PlyCloud {
  /** xyz, 3 floats per vertex. */
  points: Float32Array;
  /** The integer `label` vertex property when the file has one (pnet writes it), else null. */
  labels: Int32Array | null;
}

function isScalar(t: string): t is ScalarType {
  return Object.hasOwn(SCALAR_TYPES, t);
}

function parseHeader(bytes: Uint8Array, file: string): PlyHeader {
  // The header is ASCII and ends at the line `end_header`; it is small, so decode a bounded prefix.
  const prefix = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 64 * 1024)));
  const end = /(^|\n)end_header\r?\n/.exec(prefix);
  if (!prefix.startsWith('ply'))
    throw new PnetError('BAD_INPUT', 'not a PLY file (it does not start with "ply")', { file, line: 1 });
  if (!end) throw new PnetError('BAD_INPUT', 'PLY header has no end_header line', { file });
  const headerText = prefix.slice(0, end.index + end[0].length);
  const lines = headerText.split('\n').map((l) => l.replace(/\r$/, ''));
  let format: PlyFormat | undefined;
  const elements: PlyElement[] = [];
  lines.forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim().split(/\s+/);
    const fail = (msg: string): never => {
      throw new PnetError('BAD_INPUT', msg, { file, line });
    };
    switch (t[0]) {
      case 'format':
        if (t[1] !== 'ascii' && t[1] !== 'binary_little_endian' && t[1] !== 'binary_big_endian') {
          fail(`unknown PLY format "${t[1]}"`);
        }
        format = t[1] as PlyFormat;
        break;
      case 'element': {
        const count = Number(t[2]);
        if (!t[1] || !Number.isInteger(count) || count < 0) fail(`bad element line: "${raw.trim()}"`);
        elements.push({ name: t[1]!, count, properties: [] });
        break;
      }
      case 'property': {
        const el = elements.at(-1) ?? fail('property before any element');
        if (t[1] === 'list') {
          if (!isScalar(t[2] ?? '') || !isScalar(t[3] ?? '') || !t[4]) fail(`bad list property: "${raw.trim()}"`);
          el.properties.push({ name: t[4]!, type: t[3] as ScalarType, countType: t[2] as ScalarType });
        } else {
          if (!isScalar(t[1] ?? '') || !t[2]) fail(`bad property line: "${raw.trim()}"`);
          el.properties.push({ name: t[2]!, type: t[1] as ScalarType });
        }
        break;
      }
      default:
        // ply, comment, obj_info, end_header and blank lines carry nothing we need.
        break;
    }
  });
  if (!format) throw new PnetError('BAD_INPUT', 'PLY header has no format line', { file });
  return {
    format,
    elements,
    // latin1 decodes one character per byte, so the header's length in characters is its length in bytes
    // (re-encoding it, e.g. as UTF-8, would count a non-ASCII comment byte twice and shift every value).
    dataStart: headerText.length,
    dataLine: lines.length,
  };
}

function vertexLayout(header: PlyHeader, file: string) {
  const vertex = header.elements.find((e) => e.name === 'vertex');
  if (!vertex) throw new PnetError('BAD_INPUT', 'PLY file has no vertex element', { file });
  const index = (name: string): number => vertex.properties.findIndex((p) => p.name === name && !p.countType);
  const xyz = ['x', 'y', 'z'].map(index);
  const missing = ['x', 'y', 'z'].filter((_, i) => xyz[i]! < 0);
  if (missing.length > 0) {
    throw new PnetError('BAD_INPUT', `PLY vertex element has no ${missing.join(', ')} property`, { file });
  }
  if (vertex.count === 0) throw new PnetError('BAD_INPUT', 'the cloud has 0 points (element vertex 0)', { file });
  return { vertex, xyz, label: index('label') };
}

/**
 * Refuses a header whose element counts cannot fit in the bytes after it, before anything is allocated: a
 * declared count of billions is a one-line error naming the file, not an out-of-memory crash.
 */
function checkDeclaredCounts(bytes: Uint8Array, header: PlyHeader, vertex: PlyElement, file: string): void {
  const available = bytes.length - header.dataStart;
  let least = 0;
  for (const el of header.elements) {
    // Smallest possible row: ASCII a character and its newline (rows too short for their properties are named
    // later, by line), binary the fixed sizes (a list's count only).
    const row =
      header.format === 'ascii' ? 2 : el.properties.reduce((n, p) => n + SCALAR_TYPES[p.countType ?? p.type], 0);
    least += row * el.count;
    if (el === vertex) break;
  }
  // The last ASCII row may lack its newline.
  if (least - (header.format === 'ascii' ? 1 : 0) > available) {
    throw new PnetError(
      'BAD_INPUT',
      `file is truncated: the header declares ${vertex.count} vertices, which need at least ${least} bytes, but the file has ${available} after the header`,
      { file },
    );
  }
}

function readAscii(bytes: Uint8Array, header: PlyHeader, file: string): PlyCloud {
  const { vertex, xyz, label } = vertexLayout(header, file);
  checkDeclaredCounts(bytes, header, vertex, file);
  const lines = new TextDecoder('utf-8').decode(bytes.subarray(header.dataStart)).split('\n');
  const points = new Float32Array(vertex.count * 3);
  const labels = label >= 0 ? new Int32Array(vertex.count) : null;
  let li = 0;
  for (const el of header.elements) {
    if (el !== vertex) {
      // Elements before the vertices are skipped line by line (one row per line in ASCII PLY).
      if (header.elements.indexOf(el) > header.elements.indexOf(vertex)) break;
      li += el.count;
      continue;
    }
    for (let v = 0; v < el.count; v++, li++) {
      const lineNo = header.dataLine + li;
      const text = lines[li];
      if (text === undefined) {
        throw new PnetError('BAD_INPUT', `file ends after ${v} of ${el.count} vertices`, { file, line: lineNo });
      }
      const tokens = text.trim().split(/\s+/);
      if (tokens.length !== el.properties.length || tokens[0] === '') {
        throw new PnetError(
          'BAD_INPUT',
          `expected ${el.properties.length} values per vertex (${el.properties.map((p) => p.name).join(' ')}), found ${tokens[0] === '' ? 0 : tokens.length}`,
          { file, line: lineNo },
        );
      }
      for (let c = 0; c < 3; c++) {
        const token = tokens[xyz[c]!]!;
        const value = Number(token);
        if (!Number.isFinite(value)) {
          throw new PnetError('BAD_INPUT', `coordinate is not a finite number: "${token.slice(0, 40)}"`, {
            file,
            line: lineNo,
          });
        }
        const problem = float32TokenProblem(token, value);
        if (problem) throw new PnetError('BAD_INPUT', problem, { file, line: lineNo });
        points[v * 3 + c] = value;
      }
      if (labels) labels[v] = Number(tokens[label]);
    }
  }
  if (header.elements.at(-1) === vertex) {
    // More rows than the header declares means the count is wrong: reading only some of them would be a silent loss.
    const extra = lines.slice(li).findIndex((l) => l.trim() !== '');
    if (extra >= 0) {
      throw new PnetError('BAD_INPUT', `the body has more rows than the ${vertex.count} vertices the header declares`, {
        file,
        line: header.dataLine + li + extra,
      });
    }
  }
  return { points, labels };
}

function readScalar(view: DataView, offset: number, type: ScalarType, little: boolean): number {
  switch (type) {
    case 'char':
    case 'int8':
      return view.getInt8(offset);
    case 'uchar':
    case 'uint8':
      return view.getUint8(offset);
    case 'short':
    case 'int16':
      return view.getInt16(offset, little);
    case 'ushort':
    case 'uint16':
      return view.getUint16(offset, little);
    case 'int':
    case 'int32':
      return view.getInt32(offset, little);
    case 'uint':
    case 'uint32':
      return view.getUint32(offset, little);
    case 'float':
    case 'float32':
      return view.getFloat32(offset, little);
    case 'double':
    case 'float64':
      return view.getFloat64(offset, little);
  }
}

function readBinary(bytes: Uint8Array, header: PlyHeader, file: string): PlyCloud {
  const { vertex, xyz, label } = vertexLayout(header, file);
  checkDeclaredCounts(bytes, header, vertex, file);
  const little = header.format === 'binary_little_endian';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const points = new Float32Array(vertex.count * 3);
  const labels = label >= 0 ? new Int32Array(vertex.count) : null;
  let offset = header.dataStart;
  const need = (n: number, what: string): void => {
    if (offset + n > bytes.length) {
      throw new PnetError('BAD_INPUT', `file is truncated: it ends inside ${what} (byte ${bytes.length})`, { file });
    }
  };
  for (const el of header.elements) {
    const fixed = el.properties.every((p) => !p.countType);
    const rowBytes = fixed ? el.properties.reduce((n, p) => n + SCALAR_TYPES[p.type], 0) : 0;
    if (el !== vertex && fixed) {
      need(rowBytes * el.count, `element ${el.name}`);
      offset += rowBytes * el.count;
      continue;
    }
    for (let r = 0; r < el.count; r++) {
      const values: number[] = [];
      for (const p of el.properties) {
        if (p.countType) {
          need(SCALAR_TYPES[p.countType], `element ${el.name} row ${r + 1}`);
          const n = readScalar(view, offset, p.countType, little);
          offset += SCALAR_TYPES[p.countType];
          need(n * SCALAR_TYPES[p.type], `element ${el.name} row ${r + 1}`);
          offset += n * SCALAR_TYPES[p.type];
          values.push(NaN);
        } else {
          need(SCALAR_TYPES[p.type], el === vertex ? `vertex ${r + 1}` : `element ${el.name}`);
          values.push(readScalar(view, offset, p.type, little));
          offset += SCALAR_TYPES[p.type];
        }
      }
      if (el === vertex) {
        for (let c = 0; c < 3; c++) {
          const value = values[xyz[c]!]!;
          if (!Number.isFinite(value)) {
            throw new PnetError('BAD_INPUT', `vertex ${r + 1} has a non-finite coordinate (${value})`, { file });
          }
          // A double beyond the float32 range would be stored as ±Infinity.
          if (!Number.isFinite(Math.fround(value))) {
            throw new PnetError('BAD_INPUT', `vertex ${r + 1} has a coordinate beyond the float32 range (${value})`, {
              file,
            });
          }
          points[r * 3 + c] = value;
        }
        if (labels) labels[r] = values[label]!;
      }
    }
    if (el === vertex) break;
  }
  if (header.elements.at(-1) === vertex && offset < bytes.length) {
    throw new PnetError(
      'BAD_INPUT',
      `${bytes.length - offset} bytes follow the ${vertex.count} vertices the header declares (a wrong vertex count?)`,
      { file },
    );
  }
  return { points, labels };
}

/** Reads the vertex positions (and a `label` property if present); errors name the file and, for ASCII, the line. */
export function parsePly(bytes: Uint8Array, file: string): PlyCloud {
  const header = parseHeader(bytes, file);
  return header.format === 'ascii' ? readAscii(bytes, header, file) : readBinary(bytes, header, file);
}

export interface ColoredCloud {
  points: Float32Array;
  /** Class index per point. */
  labels: ArrayLike<number>;
  /** 0–255 rgb per class index. */
  palette: ReadonlyArray<readonly [number, number, number]>;
  /** Extra `comment` header lines (e.g. the class names). */
  comments?: string[];
}

/** Shortest decimal that reads back as the same float32, so ASCII files stay small and exact. */
function formatFloat32(v: number): string {
  for (let p = 6; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}

/** Writes a segmented cloud: float x y z, uchar red green blue (the class colour), int label. */
export function writePly(cloud: ColoredCloud, encoding: 'ascii' | 'binary' = 'binary'): Uint8Array {
  const n = cloud.points.length / 3;
  if (!Number.isInteger(n) || cloud.labels.length !== n) {
    throw new RangeError(`writePly: ${cloud.points.length} coordinates for ${cloud.labels.length} labels`);
  }
  const colorOf = (label: number): readonly [number, number, number] => {
    const c = cloud.palette[label];
    if (!c) throw new RangeError(`writePly: label ${label} has no colour in a palette of ${cloud.palette.length}`);
    return c;
  };
  const header =
    [
      'ply',
      `format ${encoding === 'ascii' ? 'ascii' : 'binary_little_endian'} 1.0`,
      ...(cloud.comments ?? []).map((c) => `comment ${c.replace(/[\r\n]+/g, ' ')}`),
      `element vertex ${n}`,
      'property float x',
      'property float y',
      'property float z',
      'property uchar red',
      'property uchar green',
      'property uchar blue',
      'property int label',
      'end_header',
    ].join('\n') + '\n';
  const headerBytes = new TextEncoder().encode(header);
  if (encoding === 'ascii') {
    const rows: string[] = new Array(n);
    const p = cloud.points;
    for (let i = 0; i < n; i++) {
      const label = cloud.labels[i]!;
      const [r, g, b] = colorOf(label);
      rows[i] =
        `${formatFloat32(p[i * 3]!)} ${formatFloat32(p[i * 3 + 1]!)} ${formatFloat32(p[i * 3 + 2]!)} ${r} ${g} ${b} ${label}`;
    }
    const body = new TextEncoder().encode(rows.join('\n') + '\n');
    const out = new Uint8Array(headerBytes.length + body.length);
    out.set(headerBytes);
    out.set(body, headerBytes.length);
    return out;
  }
  const rowBytes = 3 * 4 + 3 + 4;
  const out = new Uint8Array(headerBytes.length + n * rowBytes);
  out.set(headerBytes);
  const view = new DataView(out.buffer);
  let o = headerBytes.length;
  for (let i = 0; i < n; i++) {
    const label = cloud.labels[i]!;
    const [r, g, b] = colorOf(label);
    view.setFloat32(o, cloud.points[i * 3]!, true);
    view.setFloat32(o + 4, cloud.points[i * 3 + 1]!, true);
    view.setFloat32(o + 8, cloud.points[i * 3 + 2]!, true);
    view.setUint8(o + 12, r);
    view.setUint8(o + 13, g);
    view.setUint8(o + 14, b);
    view.setInt32(o + 15, label, true);
    o += rowBytes;
  }
  return out;
}
