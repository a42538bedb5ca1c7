/** `pnet export --triton`: the repository entry through the CLI, with the same model bytes `--onnx` writes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SYNTH_CLASSES, tinyCheckpoint } from '../../helpers/tiny-model.ts';
import { runPnet } from '../../helpers/run-cli.ts';

let dir: string;
let run: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnet-export-triton-'));
  run = path.join(dir, 'run');
  await tinyCheckpoint(path.join(run, 'best.ckpt'), { seed: 12, classes: SYNTH_CLASSES, weights: 'perturbed' });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function same(a: string, b: string): Promise<boolean> {
  return Buffer.compare(await readFile(a), await readFile(b)) === 0;
}

describe('pnet export --triton', () => {
  it('writes the repository entry with the model bytes --onnx writes, and says how to serve it', async () => {
    const repo = path.join(dir, 'repo');
    const onnxFile = path.join(dir, 'plain.onnx');
    const r = await runPnet('export', run, '--triton', repo, '--onnx', onnxFile);
    expect(r.code).toBe(0);
    const modelFile = path.join(repo, 'pnet_airplane', '1', 'model.onnx');
    expect(await same(modelFile, onnxFile)).toBe(true);
    expect(r.stdout).toContain(`wrote ${onnxFile}`);
    expect(r.stdout).toContain(`wrote Triton model "pnet_airplane" version 1 in ${repo}`);
    expect(r.stdout).toContain('POST /v2/models/pnet_airplane/infer');
    expect((await readdir(path.join(repo, 'pnet_airplane'))).sort()).toEqual(['1', 'config.pbtxt', 'labels.txt']);
  });

  it('honours --name --version --points --max-batch --instance-kind --instances with --fp16 --no-normalize', async () => {
    const repo = path.join(dir, 'repo-options');
    const r = await runPnet(
      'export',
      run,
      '--triton',
      repo,
      '--name',
      'planes-v2',
      '--version',
      '3',
      '--points',
      '256',
      '--max-batch',
      '4',
      '--instance-kind',
      'cpu',
      '--instances',
      '2',
      '--fp16',
      '--no-normalize',
      '--json',
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      path: string;
      triton: { name: string; version: number; labels: string[] };
      metadata: Record<string, string>;
    };
    const modelFile = path.join(repo, 'planes-v2', '3', 'model.onnx');
    expect(report.path).toBe(modelFile);
    expect(report.triton.name).toBe('planes-v2');
    expect(report.triton.version).toBe(3);
    expect(report.metadata['pnet.precision']).toBe('float16');
    const config = await readFile(path.join(repo, 'planes-v2', 'config.pbtxt'), 'utf8');
    for (const line of ['name: "planes-v2"', 'max_batch_size: 4', 'dims: [ 256, 3 ]', 'kind: KIND_CPU', 'count: 2']) {
      expect(config).toContain(line);
    }
    expect(config).toContain('value { string_value: "none" }'); // pnet.normalization of a --no-normalize export
    const plain = path.join(dir, 'same-options.onnx');
    expect((await runPnet('export', run, '--onnx', plain, '--fp16', '--no-normalize')).code).toBe(0);
    expect(await same(modelFile, plain)).toBe(true);
  });

  it('refuses to overwrite a version unless --force', async () => {
    const repo = path.join(dir, 'repo-force');
    expect((await runPnet('export', run, '--triton', repo)).code).toBe(0);
    const again = await runPnet('export', run, '--triton', repo);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('version 1 of model "pnet_airplane" already exists');
    const r = await runPnet('export', run, '--triton', repo, '--force', '--points', '100');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('version 1 (replaced)');
  });

  const bad: Array<[string[], RegExp]> = [
    [['--max-batch', '-1'], /--max-batch must be an integer ≥ 0/],
    [['--max-batch', 'many'], /--max-batch must be an integer ≥ 0 .*got NaN/],
    [['--name', '.hidden'], /not a valid Triton model name/],
    [['--name', 'a b'], /not a valid Triton model name/],
    [['--version', '0'], /--version must be a positive integer/],
    [['--points', '-5'], /--points must be a positive integer/],
  ];
  for (const [args, message] of bad) {
    it(`rejects ${args.join(' ')} with BAD_ARGUMENT before writing anything`, async () => {
      const repo = path.join(dir, 'repo-bad');
      const r = await runPnet('export', run, '--triton', repo, ...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(await readdir(repo).catch(() => [])).toEqual([]);
    });
  }
});
