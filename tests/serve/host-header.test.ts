/**
 * `pnet serve` answers only requests whose Host header names it: loopback (127.0.0.1, localhost, [::1]) or the
 * address it was told to bind, with its port. Any other name is what a page of another site sends after DNS
 * rebinding points its name at 127.0.0.1; such a request gets 421 and a short sentence, never the model.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/serve/index.ts';
import { tinyOnnxBytes } from '../helpers/tiny-model.ts';

/** GET `path` from `base`, with the Host header given (undefined: none at all). */
function get(base: string, path: string, host: string | undefined): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((ok, fail) => {
    const req = request({ hostname, port, path, setHost: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    if (host !== undefined) req.setHeader('Host', host);
    req.on('error', fail);
    req.end();
  });
}

let dir: string;
let server: RunningServer;
let port: string;
const MODEL = '/model/tiny.onnx';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-serve-host-'));
  await writeFile(join(dir, 'tiny.onnx'), tinyOnnxBytes());
  server = await startServer({ model: join(dir, 'tiny.onnx'), port: 0 });
  port = new URL(server.url).port;
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('pnet serve checks the Host header', () => {
  it('serves the model to loopback names with its port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await get(server.url, MODEL, host)).status, host).toBe(200);
    }
  });

  it('answers any other name or another port with 421 and a short sentence', async () => {
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`, 'localhost']) {
      const r = await get(server.url, MODEL, host);
      expect(r.status, host).toBe(421);
      expect(r.body).toBe(
        `misdirected request: this server answers only to its own address and loopback names; open ${server.url}\n`,
      );
    }
    // Without a Host (or an empty one) Node's own parser may answer 400 first; either way nothing is served.
    for (const host of ['', undefined]) expect([400, 421]).toContain((await get(server.url, MODEL, host)).status);
  });

  it('answers to the address it was told to bind', async () => {
    const other = await startServer({ model: join(dir, 'tiny.onnx'), port: 0, host: '127.0.0.2' });
    try {
      const p = new URL(other.url).port;
      expect((await get(other.url, MODEL, `127.0.0.2:${p}`)).status).toBe(200);
      expect((await get(other.url, MODEL, `rebound.example:${p}`)).status).toBe(421);
    } finally {
      await other.close();
    }
  });

  it('bound to every address, answers to this machine’s own addresses but not to names', async () => {
    const other = await startServer({ model: join(dir, 'tiny.onnx'), port: 0, host: '0.0.0.0' });
    try {
      const p = new URL(other.url).port;
      const own = Object.values(networkInterfaces())
        .flat()
        .find((a) => a?.family === 'IPv4' && !a.internal)?.address;
      if (own) expect((await get(other.url, MODEL, `${own}:${p}`)).status).toBe(200);
      expect((await get(other.url, MODEL, `127.0.0.1:${p}`)).status).toBe(200);
      expect((await get(other.url, MODEL, `rebound.example:${p}`)).status).toBe(421);
    } finally {
      await other.close();
    }
  });
});
