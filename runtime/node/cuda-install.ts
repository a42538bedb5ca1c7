/**
 * Runs onnxruntime-node's own installer for the CUDA 12 EP binaries (they are too large for npm, so the package
 * downloads them from NuGet). pnet's `.npmrc` skips that download at `npm install`; this runs it on demand.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { arch as osArch, platform as osPlatform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PnetError } from '../../src/core/errors.ts';
import { installedCudaFiles, onnxruntimeBinDir, onnxruntimePackageDir } from './execution-providers.ts';

export interface CudaInstallOptions {
  /** The installer script; default onnxruntime-node's `script/install.js`. */
  installerPath?: string;
  /** Where the CUDA EP library must appear afterwards; default onnxruntime-node's bin folder. */
  binDir?: string;
  /**
   * Receives the installer's progress (stdout) as it arrives, and its warnings (stderr) line by line unless the
   * installer fails: then its stderr is a Node stack trace, summarised in the error and kept in `logFile`.
   * Default: copied to stderr.
   */
  onOutput?: (text: string) => void;
  /** Where the full installer output is saved when it fails; default `<tmpdir>/pnet-setup-cuda.log`. */
  logFile?: string;
  platform?: string;
  arch?: string;
}

const OUTPUT_TAIL_CHARS = 4000;

/** The line of the installer's output that says what went wrong (Node prints the error after its stack frame). */
function failureLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const error =
    lines.find((l) => /^(\w*Error|Error)\b.*:/.test(l)) ??
    lines.find((l) => /ENOTFOUND|ECONN|ETIMEDOUT|EAI_AGAIN/.test(l));
  return error ?? lines.at(-1) ?? 'no output';
}

/** Resolves with the CUDA EP files now in the bin folder; throws PnetError when the installer fails. */
export async function installCudaExecutionProvider(options: CudaInstallOptions = {}): Promise<string[]> {
  const platform = options.platform ?? osPlatform();
  const arch = options.arch ?? osArch();
  if (platform !== 'linux' || arch !== 'x64') {
    throw new PnetError(
      'EP_UNAVAILABLE',
      `onnxruntime-node's CUDA installer supports linux/x64 only (this is ${platform}/${arch})`,
      { remedy: 'use --ep cpu on this machine' },
    );
  }
  const installer = options.installerPath ?? join(onnxruntimePackageDir(), 'script', 'install.js');
  const binDir = options.binDir ?? onnxruntimeBinDir(platform, arch);
  if (!existsSync(installer)) {
    throw new PnetError('NOT_FOUND', 'onnxruntime-node installer script not found', {
      file: installer,
      remedy: 'reinstall dependencies: `npm ci`',
    });
  }
  const onOutput = options.onOutput ?? ((t: string) => process.stderr.write(t));
  const env: NodeJS.ProcessEnv = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' };
  // npm turns `.npmrc` keys into npm_config_* variables; ours says "skip", which must not leak into this run.
  delete env.npm_config_onnxruntime_node_install;
  delete env.npm_config_onnxruntime_node_install_cuda;
  delete env.ONNXRUNTIME_NODE_INSTALL_CUDA;

  let all = '';
  let errors = '';
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const child = spawn(process.execPath, [installer], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      all += text;
      onOutput(text);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      all += text;
      errors += text;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  if (exit.code !== 0) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const logFile = options.logFile ?? join(tmpdir(), 'pnet-setup-cuda.log');
    const saved = await writeFile(logFile, all).then(
      () => true,
      () => false,
    );
    const summary = failureLine(errors.slice(-OUTPUT_TAIL_CHARS) || all.slice(-OUTPUT_TAIL_CHARS));
    throw new PnetError(
      'DOWNLOAD_FAILED',
      `the onnxruntime-node CUDA installer ${how}: ${summary}${saved ? ` (full output: ${logFile})` : ''}`,
      {
        remedy:
          'the installer downloads Microsoft.ML.OnnxRuntime.Gpu.Linux from https://api.nuget.org — check that this ' +
          'machine can reach it (behind a proxy set GLOBAL_AGENT_HTTPS_PROXY), then rerun `npx pnet setup cuda`',
      },
    );
  }
  if (errors) onOutput(errors);
  if (!existsSync(join(binDir, 'libonnxruntime_providers_cuda.so'))) {
    throw new PnetError(
      'DOWNLOAD_FAILED',
      `the installer finished but libonnxruntime_providers_cuda.so is not in ${binDir}`,
      {
        remedy:
          'rerun `npx pnet setup cuda`; if it persists, reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12',
      },
    );
  }
  return installedCudaFiles(binDir);
}
