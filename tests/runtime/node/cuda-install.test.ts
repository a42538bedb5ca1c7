import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installCudaExecutionProvider } from '../../../runtime/node/index.ts';
import { PnetError } from '../../../src/core/errors.ts';

// Stand-ins for onnxruntime-node's installer: the real one downloads from NuGet, which tests must not depend on.
let dir: string;
let binDir: string;

async function installer(name: string, body: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, body);
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pnet-cuda-install-'));
  binDir = join(dir, 'bin');
  await mkdir(binDir);
});

describe('installCudaExecutionProvider', () => {
  it('runs the installer with ONNXRUNTIME_NODE_INSTALL=cuda12, streams its output and lists the new files', async () => {
    const script = await installer(
      'ok.cjs',
      `const fs = require('fs'), path = require('path');
       if (process.env.ONNXRUNTIME_NODE_INSTALL !== 'cuda12') { console.error('flag: ' + process.env.ONNXRUNTIME_NODE_INSTALL); process.exit(3); }
       if (process.env.npm_config_onnxruntime_node_install) process.exit(4);
       console.log('Downloading Microsoft.ML.OnnxRuntime.Gpu.Linux');
       for (const f of ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'])
         fs.writeFileSync(path.join(${JSON.stringify(binDir)}, f), '');`,
    );
    let output = '';
    process.env.npm_config_onnxruntime_node_install = 'skip';
    try {
      const files = await installCudaExecutionProvider({
        installerPath: script,
        binDir,
        onOutput: (t) => (output += t),
        platform: 'linux',
        arch: 'x64',
      });
      expect(files.sort()).toEqual(['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so']);
    } finally {
      delete process.env.npm_config_onnxruntime_node_install;
    }
    expect(output).toContain('Downloading Microsoft.ML.OnnxRuntime.Gpu.Linux');
    expect(existsSync(join(binDir, 'libonnxruntime_providers_cuda.so'))).toBe(true);
  });

  it('turns an unreachable feed into DOWNLOAD_FAILED with the installer error and the fix', async () => {
    // What the real installer prints here, where api.nuget.org does not resolve.
    const script = await installer(
      'offline.cjs',
      `console.error('node:internal/process/promises:391\\n    triggerUncaughtException(err, true);\\n    ^\\n\\nError: getaddrinfo ENOTFOUND api.nuget.org\\n    at GetAddrInfoReqWrap.onlookupall (node:dns:122:26)');
       process.exit(1);`,
    );
    let shown = '';
    const logFile = join(dir, 'setup.log');
    const e = await installCudaExecutionProvider({
      installerPath: script,
      binDir,
      onOutput: (t) => (shown += t),
      logFile,
      platform: 'linux',
      arch: 'x64',
    }).catch((x) => x);
    expect(e).toBeInstanceOf(PnetError);
    expect(e.code).toBe('DOWNLOAD_FAILED');
    expect(e.message).toBe(
      `the onnxruntime-node CUDA installer exited with code 1: Error: getaddrinfo ENOTFOUND api.nuget.org (full output: ${logFile})`,
    );
    expect(e.remedy).toMatch(/api\.nuget\.org.*npx pnet setup cuda/);
    // The installer's stack trace goes to the log, not the terminal.
    expect(shown).toBe('');
    expect(await readFile(logFile, 'utf8')).toContain('at GetAddrInfoReqWrap');
  });

  it('fails when the installer succeeds without producing the CUDA EP library', async () => {
    const script = await installer('noop.cjs', 'process.exit(0);');
    const empty = join(dir, 'empty-bin');
    await mkdir(empty);
    const e = await installCudaExecutionProvider({
      installerPath: script,
      binDir: empty,
      onOutput: () => {},
      platform: 'linux',
      arch: 'x64',
    }).catch((x) => x);
    expect(e.code).toBe('DOWNLOAD_FAILED');
    expect(e.message).toMatch(/libonnxruntime_providers_cuda\.so is not in/);
  });

  it('refuses platforms without a CUDA build, and a missing installer', async () => {
    await expect(installCudaExecutionProvider({ platform: 'darwin', arch: 'arm64' })).rejects.toMatchObject({
      code: 'EP_UNAVAILABLE',
    });
    await expect(
      installCudaExecutionProvider({ installerPath: join(dir, 'missing.js'), binDir, platform: 'linux', arch: 'x64' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
