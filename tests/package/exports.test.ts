/**
 * package.json's faces point at what `npm run build` makes from existing sources (dist/<path>.js and .d.ts from
 * <path>.ts, inside tsconfig.build.json's include), and `files` ships them. Reads files only; builds nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../paths.ts';
import { checkOrtWebVersion, ORT_RUNTIME_FILES } from '../../runtime/web/build/bundle.ts';

interface Manifest {
  name: string;
  exports: Record<string, string | { types: string; default: string }>;
  types: string;
  bin: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
const buildConfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as {
  compilerOptions: { outDir: string; rootDir: string };
  include: string[];
};

/** The source a build output comes from: dist/src/x.js and dist/src/x.d.ts come from src/x.ts. */
function sourceOf(target: string): string {
  const rel = target.replace(/^\.\//, '');
  expect(
    rel.startsWith(`${buildConfig.compilerOptions.outDir}/`),
    `${target} is not under ${buildConfig.compilerOptions.outDir}/`,
  ).toBe(true);
  return rel.slice(buildConfig.compilerOptions.outDir.length + 1).replace(/(\.d\.ts|\.js)$/, '.ts');
}

function shipped(path: string): boolean {
  const rel = path.replace(/^\.\//, '');
  return manifest.files.some((f) => rel === f || rel.startsWith(`${f.replace(/\/$/, '')}/`));
}

/** Folders exported as they are (`./web/ort/*`, `./models/*`): no build output of a source of their own. */
const folderExports = Object.entries(manifest.exports).filter(([face]) => face.endsWith('/*')) as [string, string][];

const targets = Object.entries(manifest.exports)
  .filter(([face]) => !face.endsWith('/*'))
  .flatMap(([face, t]) =>
    typeof t === 'string'
      ? [{ face, target: t }]
      : [
          { face, target: t.types },
          { face, target: t.default },
        ],
  );

describe('package.json', () => {
  it('has the faces pnet, pnet/web and pnet/triton, each with types', () => {
    expect(Object.keys(manifest.exports)).toEqual(expect.arrayContaining(['.', './web', './triton']));
    for (const face of ['.', './web', './triton']) {
      const t = manifest.exports[face];
      expect(typeof t === 'object' && t.types.endsWith('.d.ts') && t.default.endsWith('.js'), face).toBe(true);
    }
    expect(manifest.types).toBe((manifest.exports['.'] as { types: string }).types);
  });

  it('points every export at the build output of an existing source the build compiles', () => {
    for (const { face, target } of targets) {
      if (target === './package.json') continue;
      const source = sourceOf(target);
      expect(
        existsSync(join(REPO_ROOT, source)),
        `${face}: ${target} would come from ${source}, which does not exist`,
      ).toBe(true);
      expect(
        buildConfig.include.some((dir) => source.startsWith(`${dir}/`)),
        `${source} is outside tsconfig.build.json's include`,
      ).toBe(true);
    }
    expect(sourceOf(manifest.types)).toBe(sourceOf((manifest.exports['.'] as { default: string }).default));
  });

  it('ships every export target, the binary and the models, and no sources or tests', () => {
    for (const { face, target } of targets)
      if (target !== './package.json') expect(shipped(target), `${face}: ${target}`).toBe(true);
    for (const bin of Object.values(manifest.bin)) {
      expect(existsSync(join(REPO_ROOT, bin)), bin).toBe(true);
      expect(shipped(bin), bin).toBe(true);
    }
    expect(shipped('models/airplane.onnx')).toBe(true);
    for (const dir of ['src', 'tests', 'bench', 'exporters', 'runtime'])
      expect(shipped(`${dir}/x.ts`), dir).toBe(false);
  });

  it('runs the build from the installed binary: its dist entry comes from src/cli/main.ts', () => {
    const bin = readFileSync(join(REPO_ROOT, 'bin', 'pnet.js'), 'utf8');
    const entry = /import\('\.\.\/(dist\/[^']+\.js)'\)/.exec(bin)?.[1];
    expect(entry).toBeDefined();
    expect(sourceOf(entry!)).toBe('src/cli/main.ts');
  });

  it('exports the ONNX Runtime files the web build ships, and the models, from shipped folders', () => {
    expect(Object.fromEntries(folderExports)).toEqual({
      './web/ort/*': './dist/web/ort/*',
      './models/*': './models/*',
    });
    for (const [face, target] of folderExports) expect(shipped(target.replace('*', 'x')), face).toBe(true);
    // What dist/web/ort/ holds after `npm run build`; .ci/package-smoke bundles a page that loads them from the package.
    expect(ORT_RUNTIME_FILES.length).toBeGreaterThan(0);
    expect(existsSync(join(REPO_ROOT, 'models', 'airplane.onnx'))).toBe(true);
    // The web README the errors' fix lines point at.
    expect(shipped('runtime/web/README.md')).toBe(true);
  });

  it('pins onnxruntime-web to the version installed, whose files the build ships', async () => {
    const pinned = manifest.optionalDependencies['onnxruntime-web'] ?? manifest.dependencies['onnxruntime-web'];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(await checkOrtWebVersion()).toBe(pinned);
  });

  it('keeps build-time tools out of the dependencies', () => {
    for (const tool of ['tsx', 'esbuild', 'typescript', 'vitest', 'protobufjs', 'playwright-core']) {
      expect(manifest.dependencies[tool], tool).toBeUndefined();
    }
  });
});
