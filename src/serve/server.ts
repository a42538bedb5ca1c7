/**
 * The demo server behind `pnet serve`: the built browser runtime and demo page (dist/web/), one model file, and
 * a small config the page reads. Binds 127.0.0.1 unless told otherwise; sends COOP/COEP so the page is
 * cross-origin isolated (ONNX Runtime's WASM threads need SharedArrayBuffer). Answers only requests whose Host
 * names this server (loopback, or the address it was told to bind), so a page of another site cannot reach it
 * through DNS rebinding (its name resolving to 127.0.0.1) and read the model.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { PnetError } from '../core/errors.ts';
import { RUNNING_FROM_SOURCES, packageRoot, webBundleDir } from '../core/node/package-root.ts';
import { mimeTypeFor } from './mime-types.ts';
import { lookupStatic } from './static-path.ts';

export interface ServeOptions {
  /** The .onnx file the page loads; without it, `defaultModel` when that file exists. */
  model?: string;
  /** Default models/airplane.onnx (trained on real ShapeNet airplanes), else models/demo.onnx (synthetic). */
  defaultModel?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Bind address; default 127.0.0.1 (this machine only). */
  host?: string;
  /** Built web folder; default dist/web (built or rebuilt first when missing or stale). */
  webDir?: string;
  /** Called with a line of progress (the build) — the CLI prints it. */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  /** Absolute path of the model the page loads, or undefined when there is none. */
  model?: string;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
/** The model trained on the real ShapeNet part Airplane train split; the page shows it when no model is named. */
export const DEFAULT_MODEL = join(packageRoot(), 'models', 'airplane.onnx');
/** Shown instead when DEFAULT_MODEL is absent (a trimmed checkout): the synthetic-data demo model. */
export const DEMO_MODEL = join(packageRoot(), 'models', 'demo.onnx');
export const NO_MODEL_HELP =
  'No model to serve yet. Train and export one with `npx pnet quickstart`, or export a checkpoint with ' +
  '`npx pnet export runs/<run> --onnx models/demo.onnx`, then restart with `npx pnet serve --model models/demo.onnx`.';

/** Headers on every response: isolation for WASM threads, no sniffing, no caching of a dev server's files. */
const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PnetError('BAD_ARGUMENT', `--port must be an integer in 0–65535, got ${port}`);
  }
  const model = options.defaultModel
    ? await resolveModel(options.model, options.defaultModel)
    : ((await resolveModel(options.model, DEFAULT_MODEL)) ?? (await resolveModel(undefined, DEMO_MODEL)));
  // A checkout builds the bundle on demand (esbuild, a build-time tool); the built package ships it prebuilt.
  if (!options.webDir && RUNNING_FROM_SOURCES) {
    const { ensureWebBundle } = await import('../../runtime/web/build/bundle.ts');
    const build = await ensureWebBundle();
    if (build.built) options.log?.(`built the web bundle (dist/web/) in ${Math.round(build.ms)} ms`);
  }
  const webDir = await realpath(resolve(options.webDir ?? webBundleDir())).catch(() => {
    throw new PnetError('NOT_FOUND', 'the web folder does not exist', {
      file: options.webDir,
      remedy: 'run `npm run build:web`',
    });
  });
  const modelUrl = model ? `/model/${encodeURIComponent(basename(model))}` : undefined;
  const config = JSON.stringify(
    model ? { model: modelUrl, modelName: basename(model) } : { model: null, help: NO_MODEL_HELP },
  );

  /** Host header values this server answers to, lower-case, and its own URL; set once the port is bound. */
  const allowedHosts = new Set<string>();
  let ownUrl = '';
  const server = createServer((req, res) => {
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      return send(
        res,
        421,
        'text/plain; charset=utf-8',
        `misdirected request: this server answers only to its own address and loopback names; open ${ownUrl}\n`,
      );
    }
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${(e as Error).message}\n`);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    const rawPath = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
    if (rawPath === '/') return redirect(res, '/demo/');
    if (rawPath === '/pnet-config.json')
      return send(res, 200, 'application/json; charset=utf-8', config, req.method === 'HEAD');
    if (rawPath.startsWith('/model/')) {
      if (!model || rawPath !== modelUrl) return notFound(res);
      const info = await stat(model).catch(() => undefined);
      if (!info?.isFile()) return notFound(res);
      return sendFile(req, res, model, info.size);
    }
    const found = await lookupStatic(webDir, rawPath);
    if (found.kind === 'bad-request') return send(res, 400, 'text/plain; charset=utf-8', 'bad request\n');
    if (found.kind === 'not-found') return notFound(res);
    if (found.kind === 'redirect') return redirect(res, found.location);
    return sendFile(req, res, found.path, found.size);
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') {
        fail(
          new PnetError('BAD_ARGUMENT', `port ${port} on ${host} is already in use`, {
            remedy: 'pick another with --port',
          }),
        );
      } else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') {
        fail(
          new PnetError('BAD_ARGUMENT', `cannot bind to host ${host} (${e.code})`, { remedy: 'use --host 127.0.0.1' }),
        );
      } else fail(e);
    });
    server.listen(port, host, () => ok());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  ownUrl = `http://${urlHost}:${boundPort}/`;
  for (const name of hostNames(host)) {
    allowedHosts.add(`${name}:${boundPort}`);
    if (boundPort === 80) allowedHosts.add(name);
  }
  return {
    url: ownUrl,
    model,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** Bound to every address: a request may name any of this machine's own. */
const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * The names a Host header may give for this server: loopback, the bind address, and with a wildcard bind this
 * machine's interface addresses. Never another name: that is what a rebinding attacker's page sends.
 */
function hostNames(bind: string): string[] {
  const literal = (a: string) => (a.includes(':') ? `[${a.toLowerCase()}]` : a.toLowerCase());
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  if (WILDCARDS.has(bind)) {
    for (const list of Object.values(networkInterfaces())) {
      // A link-local IPv6 address carries its zone (%eth0), which a Host header cannot.
      for (const a of list ?? []) if (!a.address.includes('%')) names.push(literal(a.address));
    }
  } else names.push(literal(bind));
  return [...new Set(names)];
}

async function resolveModel(requested: string | undefined, fallback: string): Promise<string | undefined> {
  const candidate = resolve(requested ?? fallback);
  const info = await stat(candidate).catch(() => undefined);
  if (info?.isFile()) return candidate;
  if (requested === undefined) return undefined;
  throw new PnetError('NOT_FOUND', info ? 'the model is not a file' : 'model file not found', {
    file: requested,
    remedy: 'name an exported .onnx file (`pnet export …` writes one)',
  });
}

function send(res: ServerResponse, status: number, type: string, body: string, headOnly = false): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}

function notFound(res: ServerResponse): void {
  send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { ...COMMON_HEADERS, Location: location, 'Content-Length': 0 });
  res.end();
}

function sendFile(req: IncomingMessage, res: ServerResponse, path: string, size: number): void {
  res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': mimeTypeFor(path), 'Content-Length': size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
