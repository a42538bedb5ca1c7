import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { zipInMemory } from '../helpers/zip.ts';
import { fetchDataset, SHAPENET_FOLDER } from '../../src/data/fetch.ts';
import { PnetError } from '../../src/core/errors.ts';

/** A small PartAnnotation-like tree; point text is pseudo-random so deflate leaves the archive a useful size. */
function makeTree(seed: number): Map<string, Buffer> {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const files = new Map<string, Buffer>();
  files.set(
    `${SHAPENET_FOLDER}/metadata.json`,
    Buffer.from(
      JSON.stringify({ Airplane: { directory: '02691156', lables: ['body', 'wing'], colors: ['blue', 'red'] } }),
    ),
  );
  for (const id of ['a1', 'b2', 'c3']) {
    const n = 2000;
    const pts: string[] = [];
    const seg: string[] = [];
    for (let i = 0; i < n; i++) {
      pts.push(`${rand().toFixed(6)} ${rand().toFixed(6)} ${rand().toFixed(6)}`);
      seg.push(rand() < 0.5 ? '0' : '1');
    }
    files.set(`${SHAPENET_FOLDER}/02691156/points/${id}.pts`, Buffer.from(pts.join('\n')));
    files.set(`${SHAPENET_FOLDER}/02691156/points_label/wing/${id}.seg`, Buffer.from(seg.join('\n')));
  }
  return files;
}

function buildZip(files: Map<string, Buffer>, stored: string[] = []): Promise<Buffer> {
  return zipInMemory((zip) => {
    zip.addEmptyDirectory(`${SHAPENET_FOLDER}/`);
    for (const [name, data] of files) zip.addBuffer(data, name, { compress: !stored.includes(name) });
  });
}

/** Where a member's compressed bytes sit in the archive (local header + name + extra field). */
function memberDataRange(zipBytes: Buffer, name: string): Promise<{ start: number; length: number }> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zipBytes, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== name) return zip.readEntry();
        const off = entry.relativeOffsetOfLocalHeader;
        const start = off + 30 + zipBytes.readUInt16LE(off + 26) + zipBytes.readUInt16LE(off + 28);
        zip.close();
        resolve({ start, length: entry.compressedSize });
      });
      zip.on('end', () => reject(new Error(`${name} not in zip`)));
      zip.readEntry();
    });
  });
}

interface Served {
  body: Buffer;
  etag: string;
  /** Send this many body bytes of the next full (200) response, then close the connection once they are on disk. */
  cutNextAt?: number;
  ignoreRange?: boolean;
  /** Send this many body bytes of the next full response, then go silent (the client must give up itself). */
  stallNextAt?: number;
}

interface SeenRequest {
  path: string;
  range?: string;
  ifRange?: string;
}

const files = makeTree(7);
let zipBytes: Buffer;
let served: Map<string, Served>;
let seen: SeenRequest[];
let server: http.Server;
let base: string;
let dest: string;

function serve(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = req.url ?? '/';
  seen.push({ path, range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined });
  if (path.startsWith('/hop/')) {
    const left = Number(path.slice(5));
    res.writeHead(302, { Location: left > 0 ? `/hop/${left - 1}` : '/shapenet.zip' });
    res.end();
    return;
  }
  const file = served.get(path);
  if (!file) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
    return;
  }
  const { body, etag } = file;
  const common = { ETag: etag, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/zip' };
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const ifRange = req.headers['if-range'];
  if (range && !file.ignoreRange && (ifRange === undefined || ifRange === etag)) {
    const start = Number(range[1]);
    if (start >= body.length) {
      res.writeHead(416, { ...common, 'Content-Range': `bytes */${body.length}` });
      res.end();
      return;
    }
    res.writeHead(206, {
      ...common,
      'Content-Length': body.length - start,
      'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
    });
    res.end(body.subarray(start));
    return;
  }
  res.writeHead(200, { ...common, 'Content-Length': body.length });
  if (file.stallNextAt !== undefined) {
    const stall = file.stallNextAt;
    file.stallNextAt = undefined;
    res.write(body.subarray(0, stall));
    return;
  }
  if (file.cutNextAt !== undefined) {
    const cut = file.cutNextAt;
    file.cutNextAt = undefined;
    res.write(body.subarray(0, cut));
    void cutOnceOnDisk(res, cut);
    return;
  }
  res.end(body);
}

/**
 * Cuts the connection once the client has written `bytes` to its .part file. A timer instead races the client:
 * on a loaded machine it can close the socket before the client reads the body, which is then never written.
 */
async function cutOnceOnDisk(res: http.ServerResponse, bytes: number): Promise<void> {
  const part = join(dest, 'shapenet.zip.part');
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const size = await stat(part).then(
      (s) => s.size,
      () => 0,
    );
    if (size >= bytes) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  res.socket?.destroy();
}

async function expectPnetError(p: Promise<unknown>, code: string): Promise<PnetError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PnetError);
  expect((e as PnetError).code).toBe(code);
  return e as PnetError;
}

async function expectTreeEquals(root: string, expected: Map<string, Buffer>): Promise<void> {
  for (const [name, data] of expected) {
    const got = await readFile(join(root, name));
    expect(got.equals(data), name).toBe(true);
  }
}

const quiet = { progress: false, log: () => {} };

beforeAll(async () => {
  zipBytes = await buildZip(files);
  server = http.createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(async () => {
  served = new Map([['/shapenet.zip', { body: zipBytes, etag: '"v1"' }]]);
  seen = [];
  dest = await mkdtemp(join(tmpdir(), 'pnet-fetch-'));
});

afterEach(async () => {
  await rm(dest, { recursive: true, force: true });
});

describe('fetchDataset', () => {
  it('downloads, checks the sha256, extracts the tree, and skips the next time', async () => {
    const sha256 = createHash('sha256').update(zipBytes).digest('hex');
    const r = await fetchDataset({ url: `${base}/shapenet.zip`, dest, sha256, ...quiet });
    expect(r.extractedTo).toBe(join(dest, SHAPENET_FOLDER));
    expect(r.bytes).toBe(zipBytes.length);
    expect(r.resumed).toBe(false);
    expect(r.skipped).toBe(false);
    expect((await readFile(r.archive)).equals(zipBytes)).toBe(true);
    await expectTreeEquals(dest, files);
    expect((await readdir(dest)).sort()).toEqual([SHAPENET_FOLDER, 'shapenet.zip']);

    const lines: string[] = [];
    const again = await fetchDataset({ url: `${base}/shapenet.zip`, dest, progress: false, log: (l) => lines.push(l) });
    expect(again.skipped).toBe(true);
    expect(lines.join('\n')).toMatch(/already exists/);
    expect(seen).toHaveLength(1);
  });

  it('resumes with a Range request after the connection was cut half-way', async () => {
    const half = Math.floor(zipBytes.length / 2);
    served.get('/shapenet.zip')!.cutNextAt = half;
    const e = await expectPnetError(fetchDataset({ url: `${base}/shapenet.zip`, dest, ...quiet }), 'DOWNLOAD_FAILED');
    expect(e.remedy).toMatch(/rerun/);
    const part = join(dest, 'shapenet.zip.part');
    expect((await stat(part)).size).toBe(half);
    expect(await readdir(dest)).not.toContain(SHAPENET_FOLDER);

    const r = await fetchDataset({ url: `${base}/shapenet.zip`, dest, ...quiet });
    expect(r.resumed).toBe(true);
    expect(seen[1]).toMatchObject({ range: `bytes=${half}-`, ifRange: '"v1"' });
    expect((await readFile(r.archive)).equals(zipBytes)).toBe(true);
    await expectTreeEquals(dest, files);
    expect(await readdir(dest)).not.toContain('shapenet.zip.part');
    expect(await readdir(dest)).not.toContain('shapenet.zip.part.json');
  });

  it('restarts from zero when the server ignores Range', async () => {
    const entry = served.get('/shapenet.zip')!;
    entry.cutNextAt = 1000;
    await expectPnetError(fetchDataset({ url: `${base}/shapenet.zip`, dest, ...quiet }), 'DOWNLOAD_FAILED');
    entry.ignoreRange = true;
    const r = await fetchDataset({ url: `${base}/shapenet.zip`, dest, ...quiet });
    expect(seen[1]!.range).toBe('bytes=1000-');
    expect(r.resumed).toBe(false);
    expect((await readFile(r.archive)).equals(zipBytes)).toBe(true);
    await expectTreeEquals(dest, files);
  });

  it('restarts instead of splicing when the remote file changed between runs', async () => {
    const entry = served.get('/shapenet.zip')!;
    entry.cutNextAt = Math.floor(zipBytes.length / 3);
    await expectPnetError(fetchDataset({ url: `${base}/shapenet.zip`, dest, ...quiet }), 'DOWNLOAD_FAILED');
    const newer = makeTree(99);
    const newerZip = await buildZip(newer);
    served.set('/shapenet.zip', { body: newerZip, etag: '"v2"' });
    const r = await fetchDataset({ url: `${base}/shapenet.zip`, dest, ...quiet });
    expect(seen[1]!.ifRange).toBe('"v1"');
    expect(r.resumed).toBe(false);
    expect((await readFile(r.archive)).equals(newerZip)).toBe(true);
    await expectTreeEquals(dest, newer);
  });

  it('stops on abort with INTERRUPTED and keeps the .part for resuming', async () => {
    served.get('/shapenet.zip')!.stallNextAt = 4096;
    const part = join(dest, 'shapenet.zip.part');
    const controller = new AbortController();
    const waitForBytes = (async () => {
      for (;;) {
        const size = await stat(part).then(
          (s) => s.size,
          () => 0,
        );
        if (size >= 4096) return controller.abort();
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const e = await expectPnetError(
      fetchDataset({ url: `${base}/shapenet.zip`, dest, signal: controller.signal, ...quiet }),
      'INTERRUPTED',
    );
    await waitForBytes;
    expect(e.remedy).toMatch(/resume/);
    expect((await stat(part)).size).toBe(4096);

    const r = await fetchDataset({ url: `${base}/shapenet.zip`, dest, ...quiet });
    expect(r.resumed).toBe(true);
    expect(seen[1]!.range).toBe('bytes=4096-');
    await expectTreeEquals(dest, files);
  });

  it('treats 416 on a complete .part as done', async () => {
    await writeFile(join(dest, 'shapenet.zip.part'), zipBytes);
    await writeFile(
      join(dest, 'shapenet.zip.part.json'),
      JSON.stringify({ url: `${base}/shapenet.zip`, etag: '"v1"', total: zipBytes.length }),
    );
    const r = await fetchDataset({ url: `${base}/shapenet.zip`, dest, ...quiet });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.range).toBe(`bytes=${zipBytes.length}-`);
    expect(r.resumed).toBe(true);
    await expectTreeEquals(dest, files);
  });

  it('follows redirects, up to a limit', async () => {
    const r = await fetchDataset({ url: `${base}/hop/2`, dest, ...quiet });
    expect(seen.map((s) => s.path)).toEqual(['/hop/2', '/hop/1', '/hop/0', '/shapenet.zip']);
    const inFolder = new Map([...files].map(([k, v]) => [k.slice(SHAPENET_FOLDER.length + 1), v]));
    await expectTreeEquals(r.extractedTo, inFolder);

    const tooMany = fetchDataset({ url: `${base}/hop/12`, dest, force: true, ...quiet });
    const e = await expectPnetError(tooMany, 'DOWNLOAD_FAILED');
    expect(e.message).toMatch(/redirected more than 10 times/);
  });

  it('reports a 404 clearly', async () => {
    const e = await expectPnetError(fetchDataset({ url: `${base}/nope.zip`, dest, ...quiet }), 'DOWNLOAD_FAILED');
    expect(e.message).toMatch(/404/);
    expect(e.message).toContain(`${base}/nope.zip`);
    expect(await readdir(dest)).toEqual([]);
  });

  it('rejects a corrupt member and leaves no extracted or staging folder', async () => {
    const member = `${SHAPENET_FOLDER}/02691156/points/b2.pts`;
    const { start, length } = await memberDataRange(zipBytes, member);
    const broken = Buffer.from(zipBytes);
    for (let i = 0; i < 16; i++) broken[start + Math.floor(length / 2) + i]! ^= 0x5a;
    served.set('/shapenet.zip', { body: broken, etag: '"bad"' });
    const e = await expectPnetError(fetchDataset({ url: `${base}/shapenet.zip`, dest, ...quiet }), 'DOWNLOAD_FAILED');
    const archive = join(dest, 'shapenet.zip');
    expect(e.file).toBe(archive);
    expect(e.describe()).toMatch(new RegExp(`^${archive}: the archive is corrupt`));
    expect(e.remedy).toMatch(/delete .*shapenet\.zip/);
    expect(await readdir(dest)).toEqual(['shapenet.zip']);
  });

  it('catches a flipped byte in a stored (uncompressed) member by its CRC32', async () => {
    const member = `${SHAPENET_FOLDER}/02691156/points_label/wing/c3.seg`;
    const plain = await buildZip(files, [member]);
    const { start, length } = await memberDataRange(plain, member);
    expect(length).toBe(files.get(member)!.length);
    const broken = Buffer.from(plain);
    broken[start + Math.floor(length / 2)]! ^= 0x01;
    served.set('/shapenet.zip', { body: broken, etag: '"flip"' });
    const e = await expectPnetError(fetchDataset({ url: `${base}/shapenet.zip`, dest, ...quiet }), 'DOWNLOAD_FAILED');
    expect(e.message).toContain(`CRC mismatch in ${member}`);
    expect(await readdir(dest)).toEqual(['shapenet.zip']);
  });

  it('rejects an entry that escapes the destination (zip-slip)', async () => {
    const evil = await buildZip(new Map([...files, ['zz/evil.txt', Buffer.from('pwned')]]));
    // Same-length rename in both the local header and the central directory.
    const slipped = Buffer.from(evil.toString('latin1').replaceAll('zz/evil.txt', '../evil.txt'), 'latin1');
    expect(slipped.includes('../evil.txt')).toBe(true);
    served.set('/shapenet.zip', { body: slipped, etag: '"slip"' });
    const e = await expectPnetError(fetchDataset({ url: `${base}/shapenet.zip`, dest, ...quiet }), 'BAD_INPUT');
    expect(e.message).toMatch(/outside/);
    expect(await readdir(dest)).toEqual(['shapenet.zip']);
    await expect(stat(join(dest, '..', 'evil.txt'))).rejects.toThrow();
  });

  it('rejects a sha256 mismatch before extracting', async () => {
    const wrong = createHash('sha256').update('something else').digest('hex');
    const e = await expectPnetError(
      fetchDataset({ url: `${base}/shapenet.zip`, dest, sha256: wrong, ...quiet }),
      'DOWNLOAD_FAILED',
    );
    expect(e.message).toMatch(/sha256/);
    expect(e.message).toContain(wrong);
    expect(await readdir(dest)).toEqual(['shapenet.zip']);
  });
});
