/**
 * Parsed clouds cached in one compact binary file, keyed by the source files' paths, sizes and mtimes, so the
 * second run over thousands of text clouds starts in seconds. Any change to any file makes a new key.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/node/atomic-write.ts';
import type { CloudSource } from './layout.ts';
import type { Cloud, DataProblem } from './types.ts';

const MAGIC = 'PNETDATA1';

export function cacheDir(): string {
  return (
    process.env.PNET_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pnet', 'datasets')
  );
}

function sourceFiles(s: CloudSource): string[] {
  const l = s.labels;
  if (l.kind === 'part-files') return [s.pointsFile, ...l.files.map((f) => f.file)];
  if (l.kind === 'id-file') return [s.pointsFile, l.file];
  return [s.pointsFile];
}

export function cacheKey(sources: CloudSource[], classNames: string[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(classNames));
  for (const s of sources) {
    h.update(JSON.stringify(s.labels));
    for (const f of sourceFiles(s)) {
      // A file that cannot be stat'ed (a dangling link) keys as such; parsing then lists it as a problem.
      let st: { size: number; mtimeMs: number } | undefined;
      try {
        st = statSync(f);
      } catch {
        st = undefined;
      }
      h.update(st ? `${f}\0${st.size}\0${st.mtimeMs}\n` : `${f}\0unreadable\n`);
    }
  }
  return h.digest('hex').slice(0, 32);
}

interface Entry {
  id: string;
  category: string;
  source: string;
  points: number;
  labelled: boolean;
}

export function readCache(key: string): { clouds: Cloud[]; problems: DataProblem[] } | undefined {
  const file = join(cacheDir(), `${key}.bin`);
  if (!existsSync(file)) return undefined;
  try {
    const bytes = readFileSync(file);
    if (bytes.subarray(0, MAGIC.length).toString() !== MAGIC) return undefined;
    const headerLength = bytes.readUInt32LE(MAGIC.length);
    const start = MAGIC.length + 4;
    const header = JSON.parse(bytes.subarray(start, start + headerLength).toString()) as {
      entries: Entry[];
      problems: DataProblem[];
    };
    const total = header.entries.reduce((n, e) => n + e.points, 0);
    const dataStart = Math.ceil((start + headerLength) / 4) * 4;
    const body = bytes.buffer.slice(bytes.byteOffset + dataStart, bytes.byteOffset + bytes.length);
    const floats = new Float32Array(body, 0, total * 3);
    const ints = new Int32Array(body, total * 12, total);
    let offset = 0;
    const clouds = header.entries.map((e) => {
      const c: Cloud = {
        id: e.id,
        category: e.category,
        source: e.source,
        points: floats.slice(offset * 3, (offset + e.points) * 3),
        labels: e.labelled ? ints.slice(offset, offset + e.points) : null,
      };
      offset += e.points;
      return c;
    });
    return { clouds, problems: header.problems };
  } catch {
    return undefined; // a damaged cache is only a slower start
  }
}

export async function writeCache(key: string, clouds: Cloud[], problems: DataProblem[]): Promise<void> {
  const entries: Entry[] = clouds.map((c) => ({
    id: c.id,
    category: c.category,
    source: c.source,
    points: c.points.length / 3,
    labelled: c.labels !== null,
  }));
  const header = Buffer.from(JSON.stringify({ entries, problems }));
  const start = MAGIC.length + 4;
  const dataStart = Math.ceil((start + header.length) / 4) * 4;
  const total = entries.reduce((n, e) => n + e.points, 0);
  const out = Buffer.alloc(dataStart + total * 16);
  out.write(MAGIC, 0);
  out.writeUInt32LE(header.length, MAGIC.length);
  header.copy(out, start);
  const floats = new Float32Array(out.buffer, out.byteOffset + dataStart, total * 3);
  const ints = new Int32Array(out.buffer, out.byteOffset + dataStart + total * 12, total);
  let offset = 0;
  for (const c of clouds) {
    floats.set(c.points, offset * 3);
    if (c.labels) ints.set(c.labels, offset);
    offset += c.points.length / 3;
  }
  await writeFileAtomic(join(cacheDir(), `${key}.bin`), out);
}
