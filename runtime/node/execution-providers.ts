/**
 * Which onnxruntime-node execution providers can run here, and why not when they cannot. The CUDA EP needs three
 * things that the npm package does not ship: its provider libraries (fetched by onnxruntime-node's installer, see
 * `pnet setup cuda`), the NVIDIA driver (libcuda.so.1), and the CUDA 12 / cuDNN 9 runtime libraries.
 */
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism, platform as osPlatform, arch as osArch } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** The execution providers pnet runs on in Node (`--ep`). */
export const NODE_EXECUTION_PROVIDERS = ['cpu', 'cuda'] as const;
export type NodeExecutionProvider = (typeof NODE_EXECUTION_PROVIDERS)[number];

export const CUDA_SETUP_COMMAND = 'npx pnet setup cuda';
export const DRIVER_INSTALL_HINT =
  'install the NVIDIA driver (Ubuntu: `sudo ubuntu-drivers install`; Debian: `sudo apt-get install nvidia-driver`), ' +
  'reboot, and check that `nvidia-smi` lists the GPU';
export const CUDA_LIBS_INSTALL_HINT =
  'install the CUDA 12 runtime and cuDNN 9 (NVIDIA apt repository: `sudo apt-get install cuda-libraries-12-6 ' +
  'libcudnn9-cuda-12`), or add the folder that holds them to LD_LIBRARY_PATH';

/** Libraries the CUDA EP of onnxruntime-node 1.30 loads at session creation (CUDA 12, cuDNN 9). */
const CUDA_RUNTIME_LIBS = ['libcudart.so.12', 'libcublas.so.12', 'libcudnn.so.9'];

const require = createRequire(import.meta.url);

/** Where onnxruntime-node keeps its native libraries for this platform (the CUDA installer writes here too). */
export function onnxruntimeBinDir(platform: string = osPlatform(), arch: string = osArch()): string {
  const pkgDir = dirname(dirname(require.resolve('onnxruntime-node')));
  return join(pkgDir, 'bin', 'napi-v6', platform, arch);
}

export function onnxruntimePackageDir(): string {
  return dirname(dirname(require.resolve('onnxruntime-node')));
}

/** Everything the CUDA probe looks at; tests pass their own to reach each branch. */
export interface CudaEnvironment {
  platform: string;
  arch: string;
  ortBinDir: string;
  /** Folders searched for the driver and runtime libraries (LD_LIBRARY_PATH, ld.so cache folders, defaults). */
  libraryDirs: string[];
  /** Folders searched for `nvidia-smi` (PATH). */
  pathDirs: string[];
}

const DEFAULT_LIBRARY_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/lib/x86_64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/usr/lib/wsl/lib',
  '/usr/local/cuda/lib64',
  '/usr/local/cuda/targets/x86_64-linux/lib',
];

/** Folders of every library in the ld.so cache (`ldconfig -p`), which is how the dynamic loader finds them. */
function ldconfigDirs(): string[] {
  for (const bin of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    const r = spawnSync(bin, ['-p'], { encoding: 'utf8', timeout: 3000 });
    if (r.status === 0 && r.stdout) {
      const dirs = new Set<string>();
      for (const m of r.stdout.matchAll(/=>\s*(\S+)/g)) dirs.add(dirname(m[1]!));
      return [...dirs];
    }
  }
  return [];
}

export function defaultCudaEnvironment(): CudaEnvironment {
  const ld = (process.env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean);
  const platform = osPlatform();
  return {
    platform,
    arch: osArch(),
    ortBinDir: onnxruntimeBinDir(),
    libraryDirs: [...new Set([...ld, ...(platform === 'linux' ? ldconfigDirs() : []), ...DEFAULT_LIBRARY_DIRS])],
    pathDirs: (process.env.PATH ?? '').split(delimiter).filter(Boolean),
  };
}

function findIn(dirs: string[], name: string): string | undefined {
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export interface CudaStatus {
  available: boolean;
  /** One line per missing piece, in the order they must be fixed. */
  problems: string[];
  /** The commands that fix the problems, in the same order. */
  remedies: string[];
  /** One line for `pnet doctor`: what was found, or what is missing. */
  detail: string;
}

/** Checks the CUDA EP prerequisites with file lookups only (no GPU context is created), so it is fast. */
export function probeCuda(env: CudaEnvironment = defaultCudaEnvironment()): CudaStatus {
  const problems: string[] = [];
  const remedies: string[] = [];
  const supported = (env.platform === 'linux' || env.platform === 'win32') && env.arch === 'x64';
  if (!supported) {
    const why = `onnxruntime-node has no CUDA build for ${env.platform}/${env.arch} (only linux/x64 and win32/x64)`;
    return { available: false, problems: [why], remedies: ['use --ep cpu'], detail: why };
  }
  const epLib = env.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  const epPath = join(env.ortBinDir, epLib);
  if (!existsSync(epPath)) {
    problems.push(`the CUDA EP binaries are not installed (${epLib} is missing from ${env.ortBinDir})`);
    remedies.push(CUDA_SETUP_COMMAND);
  }
  const driverLib = env.platform === 'win32' ? 'nvcuda.dll' : 'libcuda.so.1';
  const driver = findIn(env.libraryDirs, driverLib);
  const smi = findIn(env.pathDirs, env.platform === 'win32' ? 'nvidia-smi.exe' : 'nvidia-smi');
  if (!driver) {
    problems.push(`the NVIDIA driver is not installed (${driverLib} not found${smi ? '' : ', no nvidia-smi on PATH'})`);
    remedies.push(DRIVER_INSTALL_HINT);
  }
  const missingLibs = env.platform === 'linux' ? CUDA_RUNTIME_LIBS.filter((l) => !findIn(env.libraryDirs, l)) : [];
  if (missingLibs.length > 0) {
    problems.push(`CUDA runtime libraries not found: ${missingLibs.join(', ')}`);
    remedies.push(CUDA_LIBS_INSTALL_HINT);
  }
  // Runtime libraries found some other way (e.g. RPATH) still work, so only the EP files and the driver are hard
  // requirements; a missing runtime library is reported, and session creation gives the final word.
  const available = existsSync(epPath) && driver !== undefined;
  const detail = available
    ? `EP binaries in ${env.ortBinDir}; driver ${driver}${missingLibs.length ? `; warning: ${missingLibs.join(', ')} not found` : ''}`
    : problems.join('; ');
  return { available, problems, remedies, detail };
}

export interface ExecutionProviderInfo {
  name: string;
  available: boolean;
  detail: string;
}

/** The execution providers `--ep` accepts, whether each can run here, and why not (fast; no model needed). */
export async function listExecutionProviders(env?: CudaEnvironment): Promise<ExecutionProviderInfo[]> {
  let version = '?';
  try {
    version = (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    // The version is only decoration in the detail line.
  }
  const cuda = probeCuda(env);
  return [
    {
      name: 'cpu',
      available: true,
      detail: `bundled with onnxruntime-node ${version}; ${availableParallelism()} threads`,
    },
    {
      name: 'cuda',
      available: cuda.available,
      detail: cuda.available ? cuda.detail : `${cuda.detail}; fix: ${cuda.remedies.join(', then ')}`,
    },
  ];
}

/** Names of the files the CUDA installer put in the bin folder (for the setup command's report). */
export function installedCudaFiles(binDir: string = onnxruntimeBinDir()): string[] {
  try {
    return readdirSync(binDir).filter((f) => /providers_(cuda|shared|tensorrt)/.test(f));
  } catch {
    return [];
  }
}
