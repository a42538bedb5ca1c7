import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listExecutionProviders, probeCuda, type CudaEnvironment } from '../../../runtime/node/index.ts';

let root: string;

async function environment(files: {
  ep?: boolean;
  driver?: boolean;
  smi?: boolean;
  libs?: boolean;
}): Promise<CudaEnvironment> {
  const base = await mkdtemp(join(root, 'env-'));
  for (const d of ['bin', 'lib', 'path']) await mkdir(join(base, d));
  if (files.ep) await writeFile(join(base, 'bin', 'libonnxruntime_providers_cuda.so'), '');
  if (files.driver) await writeFile(join(base, 'lib', 'libcuda.so.1'), '');
  if (files.smi) await writeFile(join(base, 'path', 'nvidia-smi'), '');
  if (files.libs)
    for (const l of ['libcudart.so.12', 'libcublas.so.12', 'libcudnn.so.9']) await writeFile(join(base, 'lib', l), '');
  return {
    platform: 'linux',
    arch: 'x64',
    ortBinDir: join(base, 'bin'),
    libraryDirs: [join(base, 'lib')],
    pathDirs: [join(base, 'path')],
  };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pnet-ep-'));
});

describe('probeCuda', () => {
  it('is available when the EP binaries, driver and runtime libraries are present', async () => {
    const s = probeCuda(await environment({ ep: true, driver: true, smi: true, libs: true }));
    expect(s.available).toBe(true);
    expect(s.problems).toEqual([]);
    expect(s.detail).toMatch(/libcuda\.so\.1/);
  });

  it('names the missing EP binaries and the setup command', async () => {
    const s = probeCuda(await environment({ driver: true, libs: true }));
    expect(s.available).toBe(false);
    expect(s.problems).toHaveLength(1);
    expect(s.problems[0]).toMatch(/CUDA EP binaries are not installed \(libonnxruntime_providers_cuda\.so is missing/);
    expect(s.remedies).toEqual(['npx pnet setup cuda']);
  });

  it('names the missing driver, and says when nvidia-smi is missing too', async () => {
    const s = probeCuda(await environment({ ep: true, libs: true }));
    expect(s.available).toBe(false);
    expect(s.problems[0]).toMatch(/NVIDIA driver is not installed \(libcuda\.so\.1 not found, no nvidia-smi on PATH\)/);
    expect(s.remedies[0]).toMatch(/nvidia-smi/);
    const withSmi = probeCuda(await environment({ ep: true, smi: true, libs: true }));
    expect(withSmi.problems[0]).not.toMatch(/no nvidia-smi/);
  });

  it('warns about missing CUDA 12 / cuDNN 9 libraries without blocking', async () => {
    const s = probeCuda(await environment({ ep: true, driver: true }));
    expect(s.available).toBe(true);
    expect(s.problems[0]).toMatch(/libcudart\.so\.12, libcublas\.so\.12, libcudnn\.so\.9/);
    expect(s.detail).toMatch(/warning/);
  });

  it('says there is no CUDA build on other platforms', async () => {
    const env = { ...(await environment({ ep: true, driver: true })), platform: 'darwin', arch: 'arm64' };
    const s = probeCuda(env);
    expect(s.available).toBe(false);
    expect(s.detail).toMatch(/no CUDA build for darwin\/arm64/);
  });
});

describe('listExecutionProviders', () => {
  it('lists cpu (always available) and cuda with a reason, quickly', async () => {
    const start = performance.now();
    const eps = await listExecutionProviders(await environment({}));
    expect(performance.now() - start).toBeLessThan(2000);
    expect(eps.map((e) => e.name)).toEqual(['cpu', 'cuda']);
    expect(eps[0]!.available).toBe(true);
    expect(eps[0]!.detail).toMatch(/onnxruntime-node \d+\.\d+/);
    expect(eps[1]!.available).toBe(false);
    expect(eps[1]!.detail).toMatch(/fix: npx pnet setup cuda/);
  });

  it('probes the real machine without throwing', async () => {
    const eps = await listExecutionProviders();
    expect(eps.find((e) => e.name === 'cuda')!.detail.length).toBeGreaterThan(0);
  });
});
