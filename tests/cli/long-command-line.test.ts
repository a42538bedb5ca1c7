import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';
import { formatPts } from '../../src/core/formats/pts.ts';
import { Rng } from '../../src/core/rng.ts';
import { PNET_BIN, REPO_ROOT } from '../paths.ts';

/** 400 tiny clouds named one by one: a command line of over 30 KB. */
function manyClouds(): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'pnet-argv-'));
  const folder = join(dir, 'a-folder-name-as-long-as-the-ones-real-datasets-have-02691156', 'points');
  mkdirSync(folder, { recursive: true });
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
  return { dir, files };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a long command line', () => {
  // What a shell makes of `pnet infer model.onnx clouds/*.pts` for a few hundred clouds. onnxruntime-node can crash
  // creating its session under such a command line (SIGSEGV, no output; seen from a shell, not reproducible under
  // this test runner's environment), so bin/pnet.js hands it to a fresh process through the environment: this
  // checks that every argument arrives.
  it('labels every one of 400 clouds named one by one', () => {
    const { dir, files } = manyClouds();
    const model = join(REPO_ROOT, 'models', 'airplane.onnx');
    expect(files.join(' ').length).toBeGreaterThan(30_000);
    const r = runCli(['infer', model, ...files, '--out', join(dir, 'out')], { timeoutMs: 120_000 });
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/labelled 400 of 400 clouds/);
  }, 150_000);

  it('hands SIGTERM to the process that does the work, and exits with its code', async () => {
    const { dir, files } = manyClouds();
    const model = join(REPO_ROOT, 'models', 'airplane.onnx');
    const parent = spawn(process.execPath, [PNET_BIN, 'infer', model, ...files, '--out', join(dir, 'out')], {
      env: { ...process.env, CI: 'true' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => parent.on('exit', (code) => resolve(code)));
    let child = 0;
    const deadline = Date.now() + 30_000;
    while (!child && Date.now() < deadline) {
      const ps = spawnSync('ps', ['-o', 'pid=', '--ppid', String(parent.pid)], { encoding: 'utf8' });
      child = Number.parseInt(ps.stdout.trim(), 10) || 0;
      if (!child) await new Promise((r) => setTimeout(r, 10));
    }
    expect(child, 'bin/pnet.js started no child for the long command line').toBeGreaterThan(0);
    parent.kill('SIGTERM');
    expect(await exited).toBe(143);
    // The child got the signal too, not left labelling on its own.
    const gone = Date.now() + 5_000;
    while (isRunning(child) && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    expect(isRunning(child)).toBe(false);
  }, 60_000);
});
