/**
 * Serves a folder on 127.0.0.1 and opens its index.html in headless Chromium until the page sets
 * `window.pnetSmoke` (`{ error }` on failure); prints that value and exits 1 when it holds an error or never comes.
 * .ci/package-smoke runs it on a page a consumer project bundled from `pnet/web`:
 * `node bin/run-ts.js tests/package/open-page.ts DIR`.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve } from 'node:path';
import { findChromium, launchChromium } from '../../src/browser/chromium.ts';
import { mimeTypeFor } from '../../src/serve/mime-types.ts';

const root = resolve(process.argv[2] ?? '.');
const timeoutMs = 180_000;

const server = createServer(async (req, res) => {
  const path = join(root, normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
  const file = path.endsWith('/') ? join(path, 'index.html') : path;
  const found = file.startsWith(root) && (await stat(file).catch(() => undefined))?.isFile();
  if (!found) {
    res.writeHead(404).end();
    return;
  }
  // Browsers compile .wasm as it streams only when it comes as application/wasm.
  res.writeHead(200, { 'content-type': mimeTypeFor(file) });
  createReadStream(file).pipe(res);
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const { port } = server.address() as AddressInfo;

const chromium = findChromium();
if (!chromium) {
  console.error('Chromium not found (apt-get install -y chromium, or set PNET_CHROMIUM)');
  process.exit(1);
}
const context = await launchChromium(chromium, false);
let result: unknown;
try {
  const page = await context.newPage();
  const log: string[] = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => log.push(`request failed: ${r.url()}`));
  page.on('response', (r) => {
    if (r.status() >= 400) log.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(`http://127.0.0.1:${port}/index.html`);
  result = await page
    .waitForFunction(() => (window as { pnetSmoke?: unknown }).pnetSmoke, undefined, { timeout: timeoutMs })
    .then((h) => h.jsonValue())
    .catch((e: Error) => ({ error: `the page set no result in ${timeoutMs / 1000} s: ${e.message.split('\n')[0]}` }));
  if ((result as { error?: string }).error) for (const line of log) console.error(line);
} finally {
  await context.close();
  server.close();
}
console.log(JSON.stringify(result));
process.exit((result as { error?: string }).error ? 1 : 0);
