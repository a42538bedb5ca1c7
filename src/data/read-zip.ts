/**
 * A .zip held in memory (dropped into a web page) as the files loadDatasetFromFiles takes: entry path → bytes.
 * The entries `pnet data fetch` would extract, under the same rules (zip-entry.ts), and each one's CRC32 checked
 * against the central directory, since fflate inflates without checking it. Browser-safe.
 */
import { unzipSync } from 'fflate';
import { PnetError, bounded, isPnetError } from '../core/errors.ts';
import { SKIPPED_PREFIX, entryPath, isUnsafeEntryPath, unsafeEntryError } from './zip-entry.ts';

/** What fflate's filter does not show of an entry, from its central-directory record. */
interface CentralRecord {
  crc32: number;
  encrypted: boolean;
  symlink: boolean;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;
const CENTRAL_RECORD = 0x02014b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** The central directory's records in entry order: the order fflate visits them in, found the way it finds them. */
function centralRecords(bytes: Uint8Array): CentralRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== END_OF_CENTRAL_DIRECTORY) {
    if (bytes.length - end > 65558) end = -1;
    else end--;
  }
  if (end < 0) throw new Error('no end of central directory');
  let count = view.getUint16(end + 8, true);
  let offset = view.getUint32(end + 16, true);
  if (end >= 20 && view.getUint32(end - 20, true) === ZIP64_LOCATOR) {
    const zip64End = view.getUint32(end - 12, true);
    if (view.getUint32(zip64End, true) === ZIP64_END) {
      count = view.getUint32(zip64End + 32, true);
      offset = view.getUint32(zip64End + 48, true);
    }
  }
  const records: CentralRecord[] = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(offset, true) !== CENTRAL_RECORD) throw new Error('bad central directory record');
    records.push({
      crc32: view.getUint32(offset + 16, true),
      encrypted: (view.getUint16(offset + 8, true) & 1) === 1,
      symlink: ((view.getUint32(offset + 38, true) >>> 16) & S_IFMT) === S_IFLNK,
    });
    const nameAndExtra = view.getUint16(offset + 28, true) + view.getUint16(offset + 30, true);
    offset += 46 + nameAndExtra + view.getUint16(offset + 32, true);
  }
  return records;
}

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const AS_DOWNLOADED = 'use the .zip as downloaded, or drop the extracted folder instead';
const SYMLINKS = 'use an archive without symbolic links';
const ENCRYPTED = 'use an unencrypted archive';

function refused(name: string, message: string, remedy: string, cause?: unknown): PnetError {
  return new PnetError('BAD_INPUT', message, { file: name, remedy, cause });
}

function unreadable(name: string, detail: string, cause?: unknown): PnetError {
  return refused(name, `not a readable zip archive (${bounded(detail)})`, AS_DOWNLOADED, cause);
}

/**
 * The files of the zip `bytes` (called `name` in errors), keyed by their paths in the archive. Folders, the
 * archive's root and `__MACOSX/` are left out; an entry that would land outside the archive's folder, a symbolic
 * link, an encrypted entry, a name given twice, or bytes that are not a whole zip are a one-line BAD_INPUT.
 */
export function readZipFiles(bytes: Uint8Array, name: string): Map<string, Uint8Array> {
  const wanted: Array<{ raw: string; path: string; record: CentralRecord }> = [];
  const paths = new Set<string>();
  let unzipped: Record<string, Uint8Array>;
  try {
    const records = centralRecords(bytes);
    let i = 0;
    unzipped = unzipSync(bytes, {
      filter: ({ name: raw }) => {
        const record = records[i++];
        if (!record) throw unreadable(name, 'the central directory ends early');
        const path = entryPath(raw);
        if (path === '' || path.startsWith(SKIPPED_PREFIX)) return false;
        if (isUnsafeEntryPath(path)) throw unsafeEntryError(name, raw);
        if (path.endsWith('/')) return false;
        if (record.symlink) {
          throw refused(name, `the archive contains a symbolic link (${bounded(raw)}); refusing it`, SYMLINKS);
        }
        if (record.encrypted) throw refused(name, `the archive has an encrypted entry (${bounded(raw)})`, ENCRYPTED);
        if (paths.has(path)) throw refused(name, `the archive lists ${bounded(path)} twice`, AS_DOWNLOADED);
        paths.add(path);
        wanted.push({ raw, path, record });
        return true;
      },
    });
  } catch (e) {
    if (isPnetError(e)) throw e;
    // A record pointing past the end (a file cut short at the front, or bytes that only look like a zip).
    throw unreadable(name, e instanceof RangeError ? 'its records point past its end' : (e as Error).message, e);
  }
  const files = new Map<string, Uint8Array>();
  for (const { raw, path, record } of wanted) {
    const content = unzipped[raw];
    if (!content || crc32(content) !== record.crc32) {
      throw refused(name, `the archive is corrupt (CRC mismatch in ${bounded(raw)})`, AS_DOWNLOADED);
    }
    files.set(path, content);
  }
  return files;
}
