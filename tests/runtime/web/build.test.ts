import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureWebBundle, ORT_RUNTIME_FILES, REPO_ROOT } from '../../../runtime/web/build/bundle.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('web bundle build', () => {
  it('builds the library, the demo and the ONNX Runtime files, then rebuilds only when an input changes', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'pnet-web-build-'));
    dirs.push(outDir);
    const first = await ensureWebBundle({ outDir });
    expect(first.built).toBe(true);
    expect(first.ms).toBeLessThan(20_000);

    const library = await readFile(join(outDir, 'pnet-web.js'), 'utf8');
    expect(library).toMatch(/export\s*\{[^}]*createSegmenter/);
    const demo = await readFile(join(outDir, 'demo', 'demo.js'), 'utf8');
    // The demo imports the built library instead of carrying a second copy of ONNX Runtime.
    expect(demo).toContain('"../pnet-web.js"');
    expect(demo).not.toContain('InferenceSession');
    for (const f of ORT_RUNTIME_FILES) {
      const [copy, original] = await Promise.all([
        stat(join(outDir, 'ort', f)),
        stat(join(REPO_ROOT, 'node_modules/onnxruntime-web/dist', f)),
      ]);
      expect(copy.size).toBe(original.size);
    }
    for (const f of [
      'demo/index.html',
      'demo/demo.css',
      'demo/samples/index.json',
      'demo/samples/table-1a00aa6b.pts',
    ]) {
      expect((await stat(join(outDir, f))).isFile()).toBe(true);
    }

    expect((await ensureWebBundle({ outDir })).built).toBe(false);
    // An input edited since the build no longer matches the stamp's fingerprint (the test leaves the sources alone).
    const stampFile = join(outDir, '.build-stamp.json');
    const stamp = JSON.parse(await readFile(stampFile, 'utf8')) as { fingerprint: string; inputs: string[] };
    await writeFile(stampFile, JSON.stringify({ ...stamp, fingerprint: 'edited' }));
    expect((await ensureWebBundle({ outDir })).built).toBe(true);
    // A file added to the demo since the build: the stamp lists one input fewer.
    await writeFile(stampFile, JSON.stringify({ ...stamp, inputs: stamp.inputs.slice(1) }));
    expect((await ensureWebBundle({ outDir })).built).toBe(true);
    expect((await ensureWebBundle({ outDir, force: true })).built).toBe(true);
  });
});
