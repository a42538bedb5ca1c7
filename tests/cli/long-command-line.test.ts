import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';
import { formatPts } from '../../src/core/formats/pts.ts';
import { Rng } from '../../src/core/rng.ts';
import { REPO_ROOT } from '../paths.ts';

describe('a long command line', () => {
  // What a shell makes of `pnet infer model.onnx clouds/*.pts` for a few hundred clouds. onnxruntime-node can crash
  // creating its session under such a command line (SIGSEGV, no output; seen from a shell, not reproducible under
  // this test runner's environment), so bin/pnet.js hands it to a fresh process through the environment: this
  // checks that every argument arrives.
  it('labels every one of 400 clouds named one by one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pnet-argv-'));
    const folder = join(dir, 'a-folder-name-as-long-as-the-ones-real-datasets-have-02691156', 'points');
    mkdirSync(folder, { recursive: true });
    const model = join(REPO_ROOT, 'models', 'airplane.onnx');
    const rng = new Rng(3);
    const files: string[] = [];
    for (let i = 0; i < 400; i++) {
      const file = join(folder, `${String(i).padStart(4, '0')}-1a04e3eab45ca15dd86060f189eb133.pts`);
      writeFileSync(
        file,
        formatPts(Float32Array.from({ length: 24 * 3 }, () => Math.round(rng.uniform(-1, 1) * 1e4) / 1e4)),
      );
      files.push(file);
    }
    expect(files.join(' ').length).toBeGreaterThan(30_000);
    const r = runCli(['infer', model, ...files, '--out', join(dir, 'out')], { timeoutMs: 120_000 });
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/labelled 400 of 400 clouds/);
  }, 150_000);
});
