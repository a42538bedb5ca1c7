/** `pnet parity` as a user runs it: no checkpoint (random-weight model), real or synthetic clouds, Node rows. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPnet } from '../helpers/run-cli.ts';

describe('pnet parity', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pnet-parity-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('checks a random-weight model on every Node runtime, prints the table and writes it as Markdown', async () => {
    const markdown = join(dir, 'parity.md');
    const run = await runPnet('parity', '--no-browser', '--clouds', '1', '--tf-backend', 'cpu', '--markdown', markdown);
    expect(run.stderr).not.toMatch(/^pnet:/m);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\| onnxruntime-node cpu \| [0-9.e-]+ \| 100\.000% \|.*\| PASS \|/);
    expect(run.stdout).toMatch(/\| onnxruntime-web wasm \(Node\) \|.*\| PASS \|/);
    expect(run.stdout).toMatch(/\| onnxruntime-web webgpu \(Chromium\) \|.*\| skipped \| browser rows turned off/);
    expect(run.stdout).toContain('0 failed');
    expect(await readFile(markdown, 'utf8')).toContain('| TF.js cpu |');
  });

  it('refuses --model without the checkpoint it came from', async () => {
    const run = await runPnet('parity', '--model', join(dir, 'x.onnx'), '--no-browser');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--model needs the checkpoint/);
  });

  it('names a missing run directory', async () => {
    const run = await runPnet('parity', join(dir, 'no-such-run'), '--no-browser');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no-such-run.*no such run directory or checkpoint/);
  });
});
