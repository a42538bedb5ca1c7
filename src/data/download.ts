/**
 * Resumable HTTP(S) download into a `.part` file.
 *
 * A sidecar (`<part>.json`) remembers which remote file the bytes came from (URL, ETag or Last-Modified, total
 * size), so a later run resumes with `Range` + `If-Range` and a changed remote file restarts from zero instead of
 * appending its tail to the old head.
 */
import http from 'node:http';
import https from 'node:https';
import { createWriteStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PnetError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/node/atomic-write.ts';
import { createProgress, type Progress } from '../core/node/progress.ts';
import { PNET_VERSION } from '../core/version.ts';

export interface DownloadOptions {
  url: string;
  /** Where the bytes go; the sidecar is `${partPath}.json`. */
  partPath: string;
  signal?: AbortSignal;
  /** Allow a progress bar (still off where progress.ts draws none: stderr not a TTY, or CI). Default true. */
  progress?: boolean;
  /** Give up when the server sends nothing for this long. Default 60 s. */
  idleTimeoutMs?: number;
  /** Default 10. */
  maxRedirects?: number;
}

export interface DownloadResult {
  /** Size of the complete `.part` file. */
  bytes: number;
  /** True when bytes from an earlier run were kept. */
  resumed: boolean;
}

/** What the sidecar records about the remote file the `.part` bytes belong to. */
interface PartSidecar {
  url: string;
  etag?: string;
  lastModified?: string;
  /** Full size of the remote file, when the server said. */
  total?: number;
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

export function sidecarPath(partPath: string): string {
  return `${partPath}.json`;
}

/** Downloads `url` into `partPath`, resuming what an earlier run left there when the remote file is unchanged. */
export async function downloadResumable(options: DownloadOptions): Promise<DownloadResult> {
  const { url, partPath } = options;
  const sidecarFile = sidecarPath(partPath);
  // At most two requests: a resume attempt, then (if the server or the remote file says no) a fresh start.
  for (let attempt = 0; attempt < 2; attempt++) {
    const sidecar = await readSidecar(sidecarFile);
    let have = await sizeOf(partPath);
    if (have > 0 && (attempt > 0 || sidecar?.url !== url)) {
      // Bytes of unknown origin: appending to them could splice two different files.
      await discardPart(partPath);
      have = 0;
    }
    const headers: Record<string, string> = {};
    if (have > 0) {
      headers.Range = `bytes=${have}-`;
      const validator = ifRangeValidator(sidecar);
      if (validator) headers['If-Range'] = validator;
    }
    const res = await openWithRedirects(url, headers, options);
    const status = res.statusCode ?? 0;

    if (status === 206 && have > 0) {
      const range = parseContentRange(res.headers['content-range']);
      const sameFile =
        range !== null &&
        range.start === have &&
        (sidecar?.total === undefined || range.total === undefined || range.total === sidecar.total) &&
        (sidecar?.etag === undefined || res.headers.etag === undefined || res.headers.etag === sidecar.etag);
      if (!sameFile) {
        res.destroy();
        continue;
      }
      const total = range.total ?? sidecar?.total;
      await writeSidecar(sidecarFile, { ...sidecar, ...validatorsOf(res), url, total });
      await receiveBody(res, { ...options, start: have, total, append: true });
      return { bytes: await sizeOf(partPath), resumed: true };
    }

    if (status === 416 && have > 0) {
      // Nothing left past our size: either the part is complete or the remote file shrank.
      const total = parseUnsatisfiedRange(res.headers['content-range']) ?? sidecar?.total;
      res.resume();
      if (total !== undefined && total === have) return { bytes: have, resumed: true };
      continue;
    }

    if (status === 200) {
      // A plain 200 is the whole file, also when we asked for a range (server ignored it, or If-Range failed).
      const length = contentLength(res);
      await writeSidecar(sidecarFile, { url, ...validatorsOf(res), total: length });
      await receiveBody(res, { ...options, start: 0, total: length, append: false });
      return { bytes: await sizeOf(partPath), resumed: false };
    }

    res.resume();
    const answer = `${status} ${res.statusMessage ?? ''}`.trim();
    throw new PnetError('DOWNLOAD_FAILED', `the server answered ${answer} for ${url}`, {
      remedy:
        status === 404 || status === 410
          ? 'check the URL (pass --url with a working mirror of the archive)'
          : 'try again later, or pass --url with a mirror of the archive',
    });
  }
  throw new PnetError('DOWNLOAD_FAILED', `the server at ${url} would not resume or restart the download`, {
    file: partPath,
    remedy: `delete ${partPath} and rerun`,
  });
}

interface ReceiveOptions extends DownloadOptions {
  start: number;
  total: number | undefined;
  append: boolean;
}

/** Streams the response body into the part file and checks that the connection delivered all of it. */
async function receiveBody(res: http.IncomingMessage, options: ReceiveOptions): Promise<void> {
  const expected = contentLength(res);
  let received = 0;
  const bar = startByteBar(options.total, options.start, options.progress ?? true);
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      bar?.update(options.start + received);
      done(null, chunk);
    },
  });
  let failure: unknown;
  try {
    await pipeline(res, count, createWriteStream(options.partPath, { flags: options.append ? 'a' : 'w' }), {
      signal: options.signal,
    });
  } catch (e) {
    failure = e;
  } finally {
    bar?.stop();
  }
  if (options.signal?.aborted) throw interrupted(options.partPath, failure);
  const truncated = !res.complete || (expected !== undefined && received < expected);
  if (failure !== undefined || truncated) {
    // What reached the disk, not what was counted: bytes in flight when the connection broke are lost.
    const got = await sizeOf(options.partPath);
    const of = options.total !== undefined ? ` of ${formatBytes(options.total)}` : '';
    const why = failure instanceof Error ? ` (${failure.message})` : '';
    throw new PnetError(
      'DOWNLOAD_FAILED',
      `the download of ${options.url} was cut off after ${formatBytes(got)}${of}${why}`,
      { file: options.partPath, remedy: 'rerun the same command to resume where it stopped', cause: failure },
    );
  }
  if (expected !== undefined && received > expected) {
    throw new PnetError('DOWNLOAD_FAILED', `the server sent more bytes than it announced for ${options.url}`, {
      file: options.partPath,
      remedy: `delete ${options.partPath} and rerun`,
    });
  }
}

/** GET with redirects followed by hand, so every hop gets the same Range headers and the hop count is bounded. */
async function openWithRedirects(
  url: string,
  headers: Record<string, string>,
  options: DownloadOptions,
): Promise<http.IncomingMessage> {
  const maxRedirects = options.maxRedirects ?? 10;
  let current = parseUrl(url);
  for (let hop = 0; ; hop++) {
    const res = await get(current, headers, options);
    const location = res.headers.location;
    if (!REDIRECT_CODES.has(res.statusCode ?? 0) || !location) return res;
    res.resume();
    if (hop >= maxRedirects) {
      throw new PnetError('DOWNLOAD_FAILED', `${url} redirected more than ${maxRedirects} times`, {
        remedy: 'pass --url with the final address of the archive',
      });
    }
    current = parseUrl(location, current);
  }
}

function get(url: URL, headers: Record<string, string>, options: DownloadOptions): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: 'GET',
      headers: { 'User-Agent': `pnet/${PNET_VERSION}`, 'Accept-Encoding': 'identity', ...headers },
      signal: options.signal,
    });
    req.setTimeout(options.idleTimeoutMs ?? 60_000, () => {
      req.destroy(new Error(`no data for ${Math.round((options.idleTimeoutMs ?? 60_000) / 1000)} s`));
    });
    req.on('response', resolve);
    req.on('error', (e) => {
      if (options.signal?.aborted) reject(interrupted(options.partPath, e));
      else
        reject(
          new PnetError('DOWNLOAD_FAILED', `could not download ${url.href}: ${e.message}`, {
            remedy: 'check the network connection and rerun (a partial download resumes)',
            cause: e,
          }),
        );
    });
    req.end();
  });
}

function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new PnetError('BAD_ARGUMENT', `not a valid URL: ${text}`, { remedy: 'pass an http:// or https:// URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PnetError('BAD_ARGUMENT', `unsupported URL scheme ${url.protocol} in ${url.href}`, {
      remedy: 'pass an http:// or https:// URL',
    });
  }
  return url;
}

function interrupted(partPath: string, cause: unknown): PnetError {
  return new PnetError('INTERRUPTED', 'the download was interrupted', {
    file: partPath,
    remedy: 'rerun the same command to resume where it stopped',
    cause,
  });
}

/** Weak ETags cannot be used with If-Range (RFC 9110 §13.1.5); Last-Modified is the fallback. */
function ifRangeValidator(sidecar: PartSidecar | undefined): string | undefined {
  if (sidecar?.etag && !sidecar.etag.startsWith('W/')) return sidecar.etag;
  return sidecar?.lastModified;
}

function validatorsOf(res: http.IncomingMessage): Pick<PartSidecar, 'etag' | 'lastModified'> {
  const out: Pick<PartSidecar, 'etag' | 'lastModified'> = {};
  if (res.headers.etag) out.etag = res.headers.etag;
  if (res.headers['last-modified']) out.lastModified = res.headers['last-modified'];
  return out;
}

function contentLength(res: http.IncomingMessage): number | undefined {
  const text = res.headers['content-length'];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** `bytes 100-199/1000` (total may be `*`). */
function parseContentRange(text: string | undefined): { start: number; total: number | undefined } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(text?.trim() ?? '');
  if (!m) return null;
  return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

/** `bytes *\/1000`, sent with 416. */
function parseUnsatisfiedRange(text: string | undefined): number | undefined {
  const m = /^bytes \*\/(\d+)$/.exec(text?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}

async function readSidecar(path: string): Promise<PartSidecar | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as PartSidecar;
    return typeof parsed.url === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function writeSidecar(path: string, sidecar: PartSidecar): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(sidecar, null, 2)}\n`);
}

async function discardPart(partPath: string): Promise<void> {
  await rm(partPath, { force: true });
  await rm(sidecarPath(partPath), { force: true });
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Bytes received against the expected size; no bar when the size is unknown (or bars are off, progress.ts). */
function startByteBar(total: number | undefined, start: number, requested: boolean): Progress | undefined {
  if (!requested || total === undefined) return undefined;
  const bar = createProgress('download', total, '{bar} {percentage}% | {done}/{size} | {speed} | ETA {eta_formatted}');
  const began = Date.now();
  const payload = (done: number) => {
    const seconds = Math.max((Date.now() - began) / 1000, 1e-3);
    return { done: formatBytes(done), size: formatBytes(total), speed: `${formatBytes((done - start) / seconds)}/s` };
  };
  const update = (done: number) => bar.update(done, payload(done));
  update(start);
  return { ...bar, update };
}
