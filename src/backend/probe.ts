/**
 * Cheap availability checks for each backend: package resolution, and for WebGPU one adapter request to Dawn
 * (a few milliseconds). Nothing here registers a backend or changes globals.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BACKEND_NAMES, TFJS_NODE_PACKAGES, type BackendName } from './names.ts';

const require = createRequire(import.meta.url);

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  detail: string;
}

export function resolvePackage(name: string): string | undefined {
  try {
    return require.resolve(name);
  } catch {
    return undefined;
  }
}

export function installedTfjsNode(): string | undefined {
  return TFJS_NODE_PACKAGES.find((p) => resolvePackage(p) !== undefined);
}

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** A CPU emulation (SwiftShader and the like): correct, but slower than wasm for training. */
  fallback: boolean;
}

type GpuLike = { requestAdapter(): Promise<unknown> };

const VULKAN_LOADER_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/lib',
];

/** Whether the dynamic loader can find libvulkan.so.1, which Dawn opens on Linux. */
export function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...VULKAN_LOADER_DIRS];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

/** Asks Dawn (the `webgpu` package) for an adapter; undefined when there is none. */
export async function requestDawnAdapter(): Promise<{ gpu: GpuLike; adapter: unknown; info: AdapterInfo } | undefined> {
  // Without a Vulkan loader Dawn finds nothing anyway, and says so on stderr in a multi-line warning.
  if (!resolvePackage('webgpu') || !vulkanLoaderPresent()) return undefined;
  const { create } = (await import('webgpu')) as { create: (flags: string[]) => GpuLike };
  const gpu = create([]);
  const adapter = (await gpu.requestAdapter()) as {
    info?: Partial<AdapterInfo> & { isFallbackAdapter?: boolean };
    isFallbackAdapter?: boolean;
  } | null;
  if (!adapter) return undefined;
  const info = adapter.info ?? {};
  const architecture = info.architecture ?? '';
  return {
    gpu,
    adapter,
    info: {
      vendor: info.vendor ?? '',
      architecture,
      description: info.description ?? '',
      fallback:
        Boolean(adapter.isFallbackAdapter ?? info.isFallbackAdapter) ||
        /swiftshader|llvmpipe|lavapipe/i.test(architecture + (info.description ?? '')),
    },
  };
}

export function describeAdapter(info: AdapterInfo): string {
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
  return info.fallback ? `${name} (software fallback adapter)` : name;
}

export async function probeBackend(name: BackendName): Promise<BackendProbe> {
  switch (name) {
    case 'tensorflow': {
      const pkg = installedTfjsNode();
      return pkg
        ? { name, available: true, detail: `${pkg} installed (libtensorflow, native threads)` }
        : { name, available: false, detail: `neither ${TFJS_NODE_PACKAGES.join(' nor ')} is installed` };
    }
    case 'webgpu': {
      if (!resolvePackage('@tensorflow/tfjs-backend-webgpu'))
        return { name, available: false, detail: '@tensorflow/tfjs-backend-webgpu is not installed' };
      if (!resolvePackage('webgpu'))
        return { name, available: false, detail: 'the `webgpu` package (Dawn for Node) is not installed' };
      try {
        const found = await requestDawnAdapter();
        if (!found)
          return { name, available: false, detail: 'Dawn found no WebGPU adapter (no Vulkan driver / libvulkan.so.1)' };
        return {
          name,
          available: true,
          detail: `adapter: ${describeAdapter(found.info)}${found.info.fallback ? '; auto skips it, --backend webgpu forces it' : ''}`,
        };
      } catch (e) {
        return { name, available: false, detail: `Dawn failed to start: ${(e as Error).message}` };
      }
    }
    case 'wasm':
      return resolvePackage('@tensorflow/tfjs-backend-wasm')
        ? {
            name,
            available: true,
            detail: 'WebAssembly + SIMD, one thread (the threaded build needs browser Web Workers)',
          }
        : { name, available: false, detail: '@tensorflow/tfjs-backend-wasm is not installed' };
    case 'cpu':
      return { name, available: true, detail: 'plain JavaScript kernels (slowest)' };
  }
}

/** What each backend's state is here; fast and without registering anything (for `pnet doctor`). */
export async function listBackends(): Promise<BackendProbe[]> {
  return Promise.all(BACKEND_NAMES.map((name) => probeBackend(name)));
}
