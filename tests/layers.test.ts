/**
 * The package's layers point one way (README "What lives where"): each module may import only from its own layer
 * and the layers below it, and the browser-safe core imports nothing of Node. Read from the sources' import lines.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './paths.ts';

/** Layer of a source file: the first matching prefix wins. */
const LAYERS: Array<[prefix: string, layer: string]> = [
  ['src/core/node/', 'core-node'],
  ['src/core/', 'core'],
  ['src/data/', 'training'],
  ['src/model/', 'training'],
  ['src/backend/', 'training'],
  ['src/checkpoint/', 'training'],
  ['src/train/', 'training'],
  ['src/eval/', 'training'],
  ['exporters/', 'exporters'],
  ['runtime/web/train/', 'pages'],
  ['runtime/', 'runtime'],
  ['src/parity/', 'apps'],
  ['src/serve/', 'apps'],
  ['src/browser/', 'apps'],
  ['src/quickstart/', 'apps'],
  ['src/infer/', 'apps'],
  ['src/quantize/', 'apps'],
  ['src/index.ts', 'library'],
  ['src/on-demand.ts', 'library'],
  ['src/triton.ts', 'library'],
  ['src/web-train.ts', 'library'],
  ['src/cli/', 'cli'],
];

/** What each layer may import besides itself. */
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  'core-node': ['core'],
  training: ['core', 'core-node'],
  exporters: ['core', 'core-node', 'training'],
  runtime: ['core', 'core-node'],
  apps: ['core', 'core-node', 'training', 'exporters', 'runtime'],
  library: ['core', 'core-node', 'training', 'exporters', 'runtime', 'apps'],
  // A page built on the package faces as any user's page would be (the Train page: pnet/web and pnet/web/train).
  pages: ['core', 'runtime', 'library'],
  cli: ['core', 'core-node', 'training', 'exporters', 'runtime', 'apps'],
};

/** The exporters read the model's layout and checkpoints, nothing else of the training side. */
const EXPORTER_TRAINING_IMPORTS = ['src/model/spec.ts', 'src/checkpoint/format.ts', 'src/checkpoint/files.ts'];

function layerOf(file: string): string | undefined {
  return LAYERS.find(([prefix]) => file.startsWith(prefix))?.[1];
}

function sources(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(REPO_ROOT, join(e.parentPath, e.name)));
}

interface ImportLine {
  file: string;
  line: number;
  target: string;
}

/** Relative imports (static, dynamic and `export … from`) and bare package names. */
function importsOf(file: string): { relative: ImportLine[]; packages: ImportLine[] } {
  const rel: ImportLine[] = [];
  const packages: ImportLine[] = [];
  readFileSync(join(REPO_ROOT, file), 'utf8')
    .split('\n')
    .forEach((text, i) => {
      for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'([^']+)'/g)) {
        const spec = m[1]!;
        const entry = { file, line: i + 1, target: spec };
        if (spec.startsWith('.')) rel.push({ ...entry, target: normalize(join(dirname(file), spec)) });
        else packages.push(entry);
      }
    });
  return { relative: rel, packages };
}

const FILES = ['src', 'exporters', 'runtime'].flatMap(sources);

describe('layers', () => {
  it('every source file belongs to a layer', () => {
    expect(FILES.filter((f) => layerOf(f) === undefined)).toEqual([]);
  });

  it('imports point down, never up or sideways', () => {
    const wrong: string[] = [];
    for (const file of FILES) {
      const from = layerOf(file)!;
      for (const imp of importsOf(file).relative) {
        const to = layerOf(imp.target);
        if (to === undefined || to === from) continue;
        const allowed =
          MAY_IMPORT[from]!.includes(to) &&
          (from !== 'exporters' || to !== 'training' || EXPORTER_TRAINING_IMPORTS.includes(imp.target));
        if (!allowed) wrong.push(`${imp.file}:${imp.line} (${from}) imports ${imp.target} (${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('commands never import other commands', () => {
    const wrong = FILES.filter((f) => f.startsWith('src/cli/commands/') && !f.endsWith('/index.ts')).flatMap((file) =>
      importsOf(file)
        .relative.filter((i) => i.target.startsWith('src/cli/commands/'))
        .map((i) => `${i.file}:${i.line} imports ${i.target}`),
    );
    expect(wrong).toEqual([]);
  });

  it('the core is browser-safe: no Node built-ins, no Node-only packages', () => {
    const nodeOnly =
      /^(node:|fs$|path$|os$|crypto$|worker_threads$|onnxruntime-node|@tensorflow|cli-progress|yargs|esbuild)/;
    const wrong = FILES.filter((f) => layerOf(f) === 'core').flatMap((file) =>
      importsOf(file)
        .packages.filter((i) => nodeOnly.test(i.target))
        .map((i) => `${i.file}:${i.line} imports ${i.target}`),
    );
    expect(wrong).toEqual([]);
  });
});
