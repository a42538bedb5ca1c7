/**
 * The execution providers this runtime can use in a browser, and why WebGPU is missing when it is.
 * Both run from the same ONNX Runtime build (JSEP: `ort-wasm-simd-threaded.jsep.{mjs,wasm}`).
 */
import { PnetError } from '../../src/core/errors.ts';

export const WEB_EXECUTION_PROVIDERS = ['webgpu', 'wasm'] as const;
export type WebExecutionProvider = (typeof WEB_EXECUTION_PROVIDERS)[number];

/** WebGPU first (fast on a real GPU), WASM as the fallback that runs everywhere. */
export const DEFAULT_EXECUTION_PROVIDERS: readonly WebExecutionProvider[] = ['webgpu', 'wasm'];

export function parseExecutionProviders(names: readonly string[]): WebExecutionProvider[] {
  if (names.length === 0) throw new PnetError('BAD_ARGUMENT', 'name at least one execution provider');
  return names.map((name) => {
    if (!(WEB_EXECUTION_PROVIDERS as readonly string[]).includes(name)) {
      throw new PnetError(
        'EP_UNAVAILABLE',
        `unknown browser execution provider "${name}"; expected one of: ${WEB_EXECUTION_PROVIDERS.join(', ')}`,
      );
    }
    return name as WebExecutionProvider;
  });
}

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

/** Undefined when a WebGPU adapter is there; otherwise a sentence a person can act on. */
export async function webgpuUnavailableReason(): Promise<string | undefined> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) {
    return globalThis.isSecureContext === false
      ? 'WebGPU needs a secure context (https:// or http://localhost)'
      : 'this browser does not expose WebGPU (navigator.gpu is missing; it may be disabled or unsupported)';
  }
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'WebGPU is present but no GPU adapter is available (blocklisted GPU or no driver)';
  } catch (e) {
    return `WebGPU adapter request failed: ${(e as Error).message ?? String(e)}`;
  }
  return undefined;
}
