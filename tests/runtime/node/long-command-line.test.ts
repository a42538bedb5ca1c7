/**
 * A user's script run with a long command line (a shell-expanded glob of a few hundred files) must be able to load
 * a model: onnxruntime-node's telemetry matches /proc/self/cmdline with a recursive regex on the stack of the thread
 * that first makes ORT's environment (runtime/node/ort-environment.ts), which crashed the process with SIGSEGV.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../paths.ts';

const MODEL = join(REPO_ROOT, 'models', 'airplane.onnx');
/** 500 arguments of 120 characters: 60 KB, twice what crashed an 8 MiB main thread. */
const LONG_ARGS = Array.from({ length: 500 }, (_, i) => `clouds/${String(i).padStart(4, '0')}-${'x'.repeat(108)}.pts`);

const dir = mkdtempSync(join(tmpdir(), 'pnet-long-argv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runWithLongArgv(body: string): { status: number | null; signal: string | null; out: string } {
  const script =
    `const pnet = await import(${JSON.stringify(join(REPO_ROOT, 'runtime', 'node', 'index.ts'))});\n` +
    `const cloud = Float32Array.of(0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1);\n${body}`;
  const file = join(dir, 'script.mjs');
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, MODEL, ...LONG_ARGS], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, signal: r.signal, out: `${r.stdout}${r.stderr}` };
}

describe('a long command line', () => {
  it('createNodeSegmenter loads and runs the model on the main thread', () => {
    const r = runWithLongArgv(
      'const s = await pnet.createNodeSegmenter(process.argv.at(-501));\n' +
        'console.log("labels", (await s.segment(cloud)).labels.length);\nawait s.dispose();',
    );
    expect({ status: r.status, signal: r.signal }, r.out).toEqual({ status: 0, signal: null });
    expect(r.out).toContain('labels 4');
  });

  it('a segmenter pool loads the model on its worker threads (smaller stacks)', () => {
    const r = runWithLongArgv(
      'const s = await pnet.createSegmenterPool(process.argv.at(-501), { workers: 1 });\n' +
        'console.log("labels", (await s.segment(cloud)).labels.length);\nawait s.dispose();',
    );
    expect({ status: r.status, signal: r.signal }, r.out).toEqual({ status: 0, signal: null });
    expect(r.out).toContain('labels 4');
  });
});
