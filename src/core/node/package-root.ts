/**
 * The folder of pnet's own package.json, found by walking up from this module: the checkout root when running the
 * TypeScript sources, the installed package's folder when running the build (dist/src/…). Files pnet reads at run
 * time (package.json, models/, the demo samples, the web bundle) are found from here, never relative to a module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'pnet') {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`pnet: no package.json named "pnet" above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** True when this code runs from TypeScript sources (a checkout) rather than from the build in dist/. */
export const RUNNING_FROM_SOURCES: boolean = import.meta.url.endsWith('.ts');

/** The built web runtime and demo page (`npm run build` writes it; a checkout's `pnet serve` builds it on demand). */
export function webBundleDir(): string {
  // PNET_WEB_DIR moves it elsewhere (the test suite builds it in a temp folder, never in the checkout).
  return process.env.PNET_WEB_DIR || join(packageRoot(), 'dist', 'web');
}

/** The real ShapeNet clouds shipped as demo samples: in the sources, else the copy the web bundle carries. */
export function demoSamplesDir(): string {
  const sources = join(packageRoot(), 'runtime', 'web', 'demo', 'samples');
  return existsSync(sources) ? sources : join(webBundleDir(), 'demo', 'samples');
}
