/**
 * `import('pnet')` is light: it loads onnxruntime-node and pnet's own core, never the training side's packages.
 * A child process imports src/index.ts under a resolve hook (tests/package/loaded-packages.mjs) that lists every
 * npm package any module came from; .ci/package-smoke runs the same script on the installed package.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../paths.ts';

/** What segmenting does not need: TF.js and its backends, the charts, the ONNX writer, file globbing, progress bars. */
const TRAINING_ONLY = [
  /^@tensorflow\//,
  /^webgpu$/,
  /^vega/,
  /^onnx-proto$/,
  /^protobufjs$/,
  /^@protobufjs\//,
  /^fast-glob$/,
  /^cli-progress$/,
];

function loadedPackages(file: string): string[] {
  const out = execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'tests', 'package', 'loaded-packages.mjs'), join(REPO_ROOT, file), '--tsx'],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  return (JSON.parse(out.trim().split('\n').at(-1)!) as { packages: string[] }).packages;
}

describe("import('pnet')", () => {
  it('loads onnxruntime-node and none of the training-only packages', () => {
    const loaded = loadedPackages('src/index.ts');
    // The hook sees packages at all: onnxruntime-node is imported, onnxruntime-common required from CommonJS.
    expect(loaded).toEqual(expect.arrayContaining(['onnxruntime-node', 'onnxruntime-common']));
    expect(loaded.filter((p) => TRAINING_ONLY.some((re) => re.test(p)))).toEqual([]);
  });

  it("import('pnet/triton') loads no training-only package either (the ONNX writer loads on an export only)", () => {
    const loaded = loadedPackages('src/triton.ts');
    expect(loaded.filter((p) => TRAINING_ONLY.some((re) => re.test(p)))).toEqual([]);
  });

  it('lists what a training module pulls in (the check above can fail)', () => {
    const loaded = loadedPackages('exporters/onnx/index.ts');
    expect(loaded.filter((p) => TRAINING_ONLY.some((re) => re.test(p)))).toEqual(
      expect.arrayContaining(['onnx-proto', 'protobufjs']),
    );
  });
});

describe("pnet's training side", () => {
  it('loads on first call and gives what the module it loads gives', async () => {
    const pnet = await import('../../src/index.ts');
    const { TINY_SHA256, tinyModel, tinyOnnxBytes } = await import('../helpers/tiny-model.ts');
    const bytes = await pnet.buildOnnxModel({ ...tinyModel(), checkpointSha256: TINY_SHA256 });
    expect(bytes).toEqual(tinyOnnxBytes());
    const described = await pnet.describeOnnx(bytes);
    expect([described.irVersion, described.opset]).toEqual([pnet.ONNX_IR_VERSION, pnet.ONNX_OPSET]);
  });

  it('starts nothing when train() is given an already aborted signal', async () => {
    const pnet = await import('../../src/index.ts');
    const out = join(tmpdir(), `pnet-never-${process.pid}`);
    await expect(
      pnet.train({ out, data: join(tmpdir(), 'nowhere'), signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(existsSync(out)).toBe(false);
  });
});
