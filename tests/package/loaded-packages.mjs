#!/usr/bin/env node
// Imports one module in this fresh process and prints, as JSON, every npm package a module was resolved from while
// it loaded, with the import's wall time: `node loaded-packages.mjs SPECIFIER|FILE [--tsx]`. A resolve hook sees
// every import (ESM, or CommonJS reached from ESM); require() calls inside CommonJS bypass it, so the CommonJS
// module cache is listed too. Between them, nothing loaded at import time escapes the list.
// `--tsx` loads TypeScript sources (a checkout); without it, built JavaScript (an installed package).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [target, flag] = process.argv.slice(2);
if (!target) {
  console.error('usage: node loaded-packages.mjs SPECIFIER|FILE [--tsx]');
  process.exit(2);
}
if (flag === '--tsx') (await import('tsx/esm/api')).register();

// The hook runs on its own thread; it appends each resolved URL to a file, read back once the import is done.
const dir = mkdtempSync(join(tmpdir(), 'pnet-loaded-'));
const log = join(dir, 'urls');
const hook = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(log, r.url + '\\n');
  return r;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url, { data: { log } });

const url = /^[./]/.test(target) ? pathToFileURL(resolve(target)).href : target;
const started = performance.now();
await import(url);
const ms = performance.now() - started;

let urls = [];
try {
  urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
// Every CommonJS module loaded so far, however it was reached, is in the one shared cache.
const cjs = Object.keys(createRequire(import.meta.url).cache).map((p) => pathToFileURL(p).href);
const packages = new Set();
for (const u of [...urls, ...cjs]) {
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(decodeURIComponent(u));
  if (m) packages.add(m[1]);
}
console.log(JSON.stringify({ ms, packages: [...packages].sort() }));
