import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/serve/index.ts';
import { serveCommand } from '../../src/cli/commands/serve.ts';
import { PnetError } from '../../src/core/errors.ts';
import { tinyOnnxBytes } from '../helpers/tiny-model.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends the path exactly as given: fetch() and URL would normalise `..` away before the server sees it. */
function rawRequest(base: string, path: string, method = 'GET'): Promise<Reply> {
  const { hostname, port } = new URL(base);
  return new Promise((ok, fail) => {
    const req = request({ hostname, port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

let dir: string;
let modelPath: string;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-serve-'));
  modelPath = join(dir, 'tiny model.onnx');
  await writeFile(modelPath, tinyOnnxBytes());
  server = await startServer({ model: modelPath, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('pnet serve', () => {
  it('binds 127.0.0.1 by default and redirects / to the demo page', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const root = await rawRequest(server.url, '/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/demo/');
    const page = await rawRequest(server.url, '/demo/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body.toString()).toContain('<script type="module" src="./demo.js">');
  });

  it('sends COOP/COEP on every response so the page is cross-origin isolated', async () => {
    for (const path of ['/demo/', '/pnet-web.js', '/no-such-file']) {
      const r = await rawRequest(server.url, path);
      expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
    }
  });

  it('serves scripts, ONNX Runtime and the wasm with the right MIME types', async () => {
    const cases: Array<[string, string]> = [
      ['/pnet-web.js', 'text/javascript; charset=utf-8'],
      ['/demo/demo.js', 'text/javascript; charset=utf-8'],
      ['/demo/demo.css', 'text/css; charset=utf-8'],
      ['/ort/ort-wasm-simd-threaded.jsep.mjs', 'text/javascript; charset=utf-8'],
      ['/ort/ort-wasm-simd-threaded.jsep.wasm', 'application/wasm'],
      ['/demo/samples/index.json', 'application/json; charset=utf-8'],
    ];
    for (const [path, type] of cases) {
      const r = await rawRequest(server.url, path, 'HEAD');
      expect([path, r.status, r.headers['content-type']]).toEqual([path, 200, type]);
      expect(Number(r.headers['content-length'])).toBeGreaterThan(0);
    }
  });

  it('serves the model named on the command line and tells the page where it is', async () => {
    const config = JSON.parse((await rawRequest(server.url, '/pnet-config.json')).body.toString());
    expect(config).toEqual({ model: '/model/tiny%20model.onnx', modelName: 'tiny model.onnx' });
    const model = await rawRequest(server.url, config.model);
    expect(model.status).toBe(200);
    expect(model.body.equals(await readFile(modelPath))).toBe(true);
    expect((await rawRequest(server.url, '/model/other.onnx')).status).toBe(404);
  });

  it('never lists a directory', async () => {
    for (const path of ['/ort/', '/demo/samples/', '/ort']) {
      const r = await rawRequest(server.url, path);
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.body.toString()).not.toContain('ort-wasm');
    }
    const demo = await rawRequest(server.url, '/demo');
    expect([demo.status, demo.headers.location]).toEqual([302, '/demo/']);
  });

  it('redirects only to paths on this server, never to a protocol-relative URL', async () => {
    for (const path of ['//demo', '///demo', '/./demo', '//demo/./', '/%2Fdemo', '/demo//samples/../']) {
      const r = await rawRequest(server.url, path);
      if (r.status !== 302) continue;
      const location = String(r.headers.location);
      expect([path, location.startsWith('/') && !location.startsWith('//')]).toEqual([path, true]);
    }
    const r = await rawRequest(server.url, '//demo');
    expect([r.status, r.headers.location]).toEqual([302, '/demo/']);
  });

  it('refuses every path that leads outside the served folders', async () => {
    const secret = (await readFile(join(process.cwd(), 'package.json'), 'utf8')).slice(0, 40);
    const attempts = [
      '/../package.json',
      '/../../package.json',
      '/demo/../../package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/demo/%2e%2e%2f%2e%2e%2fpackage.json',
      '/..%5c..%5cpackage.json',
      '/model/../../package.json',
      '/model/%2e%2e%2f%2e%2e%2fpackage.json',
      '/demo/%00index.html',
      '/%E0%A4%A',
      '/.build-stamp.json',
    ];
    for (const path of attempts) {
      const r = await rawRequest(server.url, path);
      expect([path, r.status >= 400 && r.status < 500]).toEqual([path, true]);
      expect(r.body.toString()).not.toContain(secret);
    }
  });

  it('does not follow a symlink out of the web folder', async () => {
    const web = join(dir, 'web');
    await mkdir(web);
    await writeFile(join(web, 'ok.txt'), 'inside');
    await writeFile(join(dir, 'outside.txt'), 'outside');
    await symlink(join(dir, 'outside.txt'), join(web, 'link.txt'));
    const other = await startServer({ webDir: web, port: 0, defaultModel: join(dir, 'absent.onnx') });
    try {
      expect((await rawRequest(other.url, '/ok.txt')).body.toString()).toBe('inside');
      const r = await rawRequest(other.url, '/link.txt');
      expect(r.status).toBe(404);
      expect(r.body.toString()).not.toContain('outside');
    } finally {
      await other.close();
    }
  });

  it('answers only GET and HEAD', async () => {
    const r = await rawRequest(server.url, '/demo/', 'POST');
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });

  it('without a model, tells the page how to make one', async () => {
    const bare = await startServer({ port: 0, defaultModel: join(dir, 'absent.onnx') });
    try {
      expect(bare.model).toBeUndefined();
      const config = JSON.parse((await rawRequest(bare.url, '/pnet-config.json')).body.toString());
      expect(config.model).toBeNull();
      expect(config.help).toContain('pnet quickstart');
      expect(config.help).toContain('pnet export');
    } finally {
      await bare.close();
    }
  });

  it('fails with NOT_FOUND for a model that does not exist, and BAD_ARGUMENT for a taken port', async () => {
    await expect(startServer({ model: join(dir, 'missing.onnx'), port: 0 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const port = Number(new URL(server.url).port);
    const taken = startServer({ model: modelPath, port });
    await expect(taken).rejects.toBeInstanceOf(PnetError);
    await expect(taken).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('the CLI command defaults to 127.0.0.1:8080 and shows examples', async () => {
    const args = (serveCommand.builder(yargs([])) as unknown as ReturnType<typeof yargs>).parseSync();
    expect(args.host).toBe('127.0.0.1');
    expect(args.port).toBe(8080);
    expect(args.model).toBeUndefined();
  });
});
