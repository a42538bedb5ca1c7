/**
 * Builds the browser runtime and the demo page into dist/web/ with esbuild:
 *
 *   pnet-web.js                 the library (ESM, onnxruntime-web included) — `import { createSegmenter } from …`
 *                               (bundle-entry.ts: `pnet/web` with its ONNX Runtime pointed at ort/ beside it)
 *   ort/ort-wasm-simd-threaded.jsep.{mjs,wasm}   ONNX Runtime's WebGPU+WASM build, loaded by pnet-web.js
 *   demo/index.html, demo.css, demo.js, samples/  the demo page (demo.js imports ../pnet-web.js)
 *   train/index.html, train.css, train.js   the Train page (TF.js training in the tab; imports ../pnet-web.js)
 *   train/train-worker.js, step-worker.js, chunks/   its training run (a module Web Worker) and the step workers
 *                               that run spawns; code split so TF.js ships once for the three
 *   tfjs/*.wasm                 TF.js's wasm backend, loaded by train.js
 *   presets/*.json              the presets (models/<name>.json), fetched by train.js
 *   .build-stamp.json           inputs of the last build, to rebuild only when something changed
 */
import { copyFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import * as esbuild from 'esbuild';
import { writeFileAtomic } from '../../../src/core/node/atomic-write.ts';
import { PnetError } from '../../../src/core/errors.ts';
import { packageRoot, webBundleDir } from '../../../src/core/node/package-root.ts';

export const REPO_ROOT = packageRoot();
export const DEFAULT_WEB_OUT_DIR = webBundleDir();
const WEB_DIR = join(REPO_ROOT, 'runtime', 'web');
const DEMO_DIR = join(WEB_DIR, 'demo');
const TRAIN_DIR = join(WEB_DIR, 'train');
const TFJS_WASM_DIST = join(REPO_ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
/** TF.js's wasm backend builds: SIMD, and SIMD with threads where the page is cross-origin isolated. */
const TFJS_WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];
const TRAIN_STATIC_FILES = ['index.html', 'train.css'];
const PRESET_FILES = ['keras.json', 'mid.json', 'lite.json'];
const ORT_DIST = join(REPO_ROOT, 'node_modules', 'onnxruntime-web', 'dist');

/** The ONNX Runtime files a page needs next to pnet-web.js (under ort/): one build serves both WebGPU and WASM. */
export const ORT_RUNTIME_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'] as const;
const DEMO_STATIC_FILES = ['index.html', 'demo.css'];
const STAMP_FILE = '.build-stamp.json';

export interface WebBuildResult {
  outDir: string;
  /** False when the existing build was up to date. */
  built: boolean;
  ms: number;
}

interface Stamp {
  fingerprint: string;
  inputs: string[];
}

/** Builds when dist/web is missing or any input changed since the last build (or always, with `force`). */
export async function ensureWebBundle(options: { outDir?: string; force?: boolean } = {}): Promise<WebBuildResult> {
  const outDir = options.outDir ?? DEFAULT_WEB_OUT_DIR;
  const started = performance.now();
  if (!options.force && (await isUpToDate(outDir))) return { outDir, built: false, ms: performance.now() - started };
  await buildWebBundle(outDir);
  return { outDir, built: true, ms: performance.now() - started };
}

/**
 * The onnxruntime-web in node_modules is the exact version package.json pins: the ort/ files the package ships must
 * match the onnxruntime-web JavaScript a consumer bundles from `pnet/web`, which npm resolves from that pin.
 */
export async function checkOrtWebVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  const pinned = manifest.dependencies?.['onnxruntime-web'] ?? manifest.optionalDependencies?.['onnxruntime-web'];
  if (pinned === undefined || !/^\d+\.\d+\.\d+$/.test(pinned))
    throw new PnetError('BAD_ARGUMENT', `onnxruntime-web is not pinned to one version (${pinned ?? 'absent'})`, {
      file: 'package.json',
      remedy: 'name an exact version, e.g. "onnxruntime-web": "1.30.0", without ^ or ~',
    });
  let installed: string;
  try {
    installed = (JSON.parse(await readFile(join(ORT_DIST, '..', 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch (e) {
    throw new PnetError('NOT_FOUND', 'onnxruntime-web is not installed; the web build ships its files', {
      remedy: 'npm ci',
      cause: e,
    });
  }
  if (installed !== pinned)
    throw new PnetError('BAD_ARGUMENT', `onnxruntime-web ${installed} is installed, package.json pins ${pinned}`, {
      file: 'package.json',
      remedy: 'npm ci',
    });
  return installed;
}

async function buildWebBundle(outDir: string): Promise<void> {
  await checkOrtWebVersion();
  const common: esbuild.BuildOptions = {
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // ONNX Runtime's variant that loads its .mjs/.wasm from `env.wasm.wasmPaths` instead of inlining them.
    conditions: ['onnxruntime-web-use-extern-wasm'],
    sourcemap: 'linked',
    minify: true,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
  };
  const library = await esbuild.build({
    ...common,
    entryPoints: [join(WEB_DIR, 'bundle-entry.ts')],
    outfile: join(outDir, 'pnet-web.js'),
  });
  // The pages use the library exactly as any page would: by importing the built pnet-web.js.
  const pnetWebExternal: esbuild.Plugin = {
    name: 'pnet-web-external',
    setup(build) {
      build.onResolve({ filter: /^\.\.\/index\.ts$/ }, () => ({ path: '../pnet-web.js', external: true }));
    },
  };
  const demo = await esbuild.build({
    ...common,
    entryPoints: [join(DEMO_DIR, 'main.ts')],
    outfile: join(outDir, 'demo', 'demo.js'),
    plugins: [pnetWebExternal],
  });
  const trainPage = await esbuild.build({
    ...common,
    entryPoints: {
      train: join(TRAIN_DIR, 'main.ts'),
      'train-worker': join(TRAIN_DIR, 'train-worker.ts'),
      'step-worker': join(TRAIN_DIR, 'step-worker.ts'),
    },
    outdir: join(outDir, 'train'),
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [pnetWebExternal],
    // Its map (TF.js, vega, onnx-proto: ~15 MB) would be most of what the package grows by; the sources ship instead.
    sourcemap: false,
  });

  await mkdir(join(outDir, 'ort'), { recursive: true });
  for (const f of ORT_RUNTIME_FILES) await copyIfChanged(join(ORT_DIST, f), join(outDir, 'ort', f));
  for (const f of DEMO_STATIC_FILES) await copyIfChanged(join(DEMO_DIR, f), join(outDir, 'demo', f));
  for (const f of TRAIN_STATIC_FILES) await copyIfChanged(join(TRAIN_DIR, f), join(outDir, 'train', f));
  for (const f of TFJS_WASM_FILES) await copyIfChanged(join(TFJS_WASM_DIST, f), join(outDir, 'tfjs', f));
  for (const f of PRESET_FILES) await copyIfChanged(join(REPO_ROOT, 'models', f), join(outDir, 'presets', f));
  await mkdir(join(outDir, 'demo', 'samples'), { recursive: true });
  for (const f of await sampleFiles())
    await copyIfChanged(join(DEMO_DIR, 'samples', f), join(outDir, 'demo', 'samples', f));

  // `(disabled):crypto` and the like: Node built-ins a package's browser field switches off, not files.
  const bundled = [library, demo, trainPage]
    .flatMap((b) => Object.keys(b.metafile!.inputs))
    .filter((p) => !p.startsWith('(disabled):'))
    .map((p) => relative(REPO_ROOT, resolve(process.cwd(), p)));
  const inputs = [...new Set([...bundled, ...(await staticInputs())])].sort();
  const stamp: Stamp = { fingerprint: await fingerprint(inputs), inputs };
  await writeFileAtomic(join(outDir, STAMP_FILE), JSON.stringify(stamp, null, 1));
}

async function isUpToDate(outDir: string): Promise<boolean> {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(await readFile(join(outDir, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return false;
  }
  // A file added to the demo (a new sample, a new module) changes the static list or the entry's imports.
  const inputs = [...new Set([...stamp.inputs, ...(await staticInputs())])].sort();
  if (inputs.length !== stamp.inputs.length) return false;
  try {
    return (await fingerprint(inputs)) === stamp.fingerprint;
  } catch {
    return false;
  }
}

/** Files copied as they are (ORT runtime, demo html/css, samples) and the sources of the demo folder. */
async function staticInputs(): Promise<string[]> {
  const demoSources = (await readdir(DEMO_DIR)).filter((f) => f.endsWith('.ts')).map((f) => join(DEMO_DIR, f));
  const trainSources = (await readdir(TRAIN_DIR)).filter((f) => f.endsWith('.ts')).map((f) => join(TRAIN_DIR, f));
  const webSources = (await readdir(WEB_DIR)).filter((f) => f.endsWith('.ts')).map((f) => join(WEB_DIR, f));
  return [
    ...ORT_RUNTIME_FILES.map((f) => join(ORT_DIST, f)),
    ...DEMO_STATIC_FILES.map((f) => join(DEMO_DIR, f)),
    ...TRAIN_STATIC_FILES.map((f) => join(TRAIN_DIR, f)),
    ...TFJS_WASM_FILES.map((f) => join(TFJS_WASM_DIST, f)),
    ...PRESET_FILES.map((f) => join(REPO_ROOT, 'models', f)),
    ...(await sampleFiles()).map((f) => join(DEMO_DIR, 'samples', f)),
    ...demoSources,
    ...trainSources,
    ...webSources,
  ].map((p) => relative(REPO_ROOT, p));
}

async function sampleFiles(): Promise<string[]> {
  try {
    return (await readdir(join(DEMO_DIR, 'samples'))).filter((f) => /\.(pts|ply|json)$/.test(f)).sort();
  } catch {
    return [];
  }
}

/** Path + size + mtime of every input: cheap, and changes whenever a file is edited or replaced. */
async function fingerprint(inputs: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const p of inputs) {
    const s = await stat(join(REPO_ROOT, p));
    hash.update(`${p}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

async function copyIfChanged(from: string, to: string): Promise<void> {
  const [src, dst] = await Promise.all([stat(from), stat(to).catch(() => undefined)]);
  if (dst && dst.size === src.size && dst.mtimeMs >= src.mtimeMs) return;
  await mkdir(join(to, '..'), { recursive: true });
  await copyFile(from, to);
}
