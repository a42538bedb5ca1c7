import { describe, expect, it } from 'vitest';
import { PnetError } from '../../src/core/errors.ts';
import { loadDataset } from '../../src/data/index.ts';
import { loadDatasetFromFiles } from '../../src/data/load-files.ts';
import { readZipFiles } from '../../src/data/read-zip.ts';
import { zipInMemory } from '../helpers/zip.ts';
import { cloudText, goodCloud, readFolder, writeBenchmarkV0, writePartAnnotation } from './fixtures.ts';

const NAME = 'dataset.zip';

function refusal(bytes: Uint8Array): PnetError {
  try {
    readZipFiles(bytes, NAME);
  } catch (e) {
    expect(e).toBeInstanceOf(PnetError);
    const err = e as PnetError;
    expect([err.code, err.file]).toEqual(['BAD_INPUT', NAME]);
    expect(err.message).not.toContain('\n');
    return err;
  }
  throw new Error('expected readZipFiles to refuse the archive');
}

/** The files zipped under `top/`, with what zip tools add around them: folder entries, `./`, macOS shadows. */
function zipOf(files: Map<string, Uint8Array>, top: string): Promise<Buffer> {
  return zipInMemory((zip) => {
    zip.addEmptyDirectory(`${top}/`);
    for (const [path, bytes] of files) {
      zip.addBuffer(Buffer.from(bytes), `./${top}/${path}`);
    }
    zip.addBuffer(Buffer.from('resource fork'), `__MACOSX/${top}/._metadata.json`);
  });
}

describe('readZipFiles', () => {
  it('gives back every file of a yazl zip, and the dataset loadDataset reads from the folder', async () => {
    const dir = writePartAnnotation([goodCloud('a'), goodCloud('b', 8), { id: 'u', pts: cloudText(3), segs: {} }]);
    const files = readFolder(dir);
    const read = readZipFiles(new Uint8Array(await zipOf(files, 'shapenet')), NAME);
    expect(read).toEqual(new Map([...files].map(([path, bytes]) => [`shapenet/${path}`, bytes])));
    const fromZip = loadDatasetFromFiles(read, {});
    const fromDisk = await loadDataset(dir, { cache: false });
    expect(fromZip.clouds.map((c) => [c.id, c.source, c.points, c.labels])).toEqual(
      fromDisk.clouds.map((c) => [c.id, `shapenet/${c.source.slice(dir.length + 1)}`, c.points, c.labels]),
    );
    expect(fromZip.classes).toEqual(fromDisk.classes);
  });

  it('refuses a truncated archive, and bytes that are no zip, with one line', async () => {
    const zip = await zipOf(readFolder(writeBenchmarkV0([{ id: 'a', pts: cloudText(4), seg: '1\n1\n2\n2\n' }])), 'd');
    for (const length of [zip.length - 10, Math.floor(zip.length / 2), 30, 0]) {
      expect(refusal(new Uint8Array(zip.subarray(0, length))).message).toMatch(/^not a readable zip archive \(/);
    }
    expect(refusal(new Uint8Array(zip.subarray(40))).message).toMatch(/^not a readable zip archive \(/);
    expect(refusal(new TextEncoder().encode('0 0 0\n1 1 1\n'.repeat(100))).describe()).toMatch(
      /^dataset\.zip: not a readable zip archive/,
    );
  });

  it('refuses an entry that climbs out with ..', async () => {
    const zip = await zipInMemory((z) => {
      z.addBuffer(Buffer.from('fine'), 'd/ok.txt');
      z.addBuffer(Buffer.from('pwned'), 'zz/evil.txt');
    });
    // Same-length rename in both the local header and the central directory (yazl itself refuses `..`).
    const slipped = Buffer.from(zip.toString('latin1').replaceAll('zz/evil.txt', '../evil.txt'), 'latin1');
    expect(refusal(new Uint8Array(slipped)).message).toBe(
      'the archive has an entry that points outside its folder (../evil.txt)',
    );
  });

  it('refuses damaged contents (CRC), a symbolic link, and one name given twice', async () => {
    const content = Buffer.from(cloudText(50));
    const zip = await zipInMemory((z) => z.addBuffer(content, 'd/a.pts', { compress: false }));
    const flipped = Buffer.from(zip);
    flipped[zip.indexOf(content) + 20]! ^= 0x01;
    expect(refusal(new Uint8Array(flipped)).message).toBe('the archive is corrupt (CRC mismatch in d/a.pts)');

    const link = await zipInMemory((z) => z.addBuffer(Buffer.from('/etc/passwd'), 'd/a.pts', { mode: 0o120777 }));
    expect(refusal(new Uint8Array(link)).message).toMatch(/symbolic link \(d\/a\.pts\)/);

    const twice = await zipInMemory((z) => {
      z.addBuffer(Buffer.from('1'), 'd/a.pts');
      z.addBuffer(Buffer.from('2'), './d/a.pts');
    });
    expect(refusal(new Uint8Array(twice)).message).toBe('the archive lists d/a.pts twice');
  });
});
