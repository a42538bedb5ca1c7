/**
 * Backend selection: `auto` takes the fastest one present (tensorflow → webgpu on a real adapter → wasm → cpu);
 * a named backend that is missing is an error that says how to get it.
 */
import * as tf from '@tensorflow/tfjs';
import { PnetError } from '../core/errors.ts';
import { BACKEND_NAMES, INSTALL_REMEDY, type BackendName, type BackendRequest } from './names.ts';
import { describeAdapter, installedTfjsNode, requestDawnAdapter } from './probe.ts';

export interface SelectedBackend {
  name: BackendName;
  reason: string;
}

export { listBackends } from './probe.ts';

function unavailable(name: BackendName, detail: string): PnetError {
  return new PnetError('BACKEND_UNAVAILABLE', `TF.js backend "${name}" is not available: ${detail}`, {
    remedy: INSTALL_REMEDY[name],
  });
}

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw unavailable(name, 'it failed to initialise');
  await tf.ready();
  // The cpu backend greets Node users with a banner about tfjs-node; `pnet doctor` and the backend line say that.
  if (name === 'cpu') (tf.backend() as { firstUse?: boolean }).firstUse = false;
}

async function startTensorflow(): Promise<string> {
  const pkg = installedTfjsNode();
  if (!pkg) throw unavailable('tensorflow', 'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed');
  // A variable specifier keeps bundlers and type-checkers from requiring the optional package.
  await import(pkg);
  if (!tf.findBackend('tensorflow')) {
    throw unavailable(
      'tensorflow',
      `${pkg} loaded but registered no backend with this @tensorflow/tfjs (version mismatch?)`,
    );
  }
  await activate('tensorflow');
  return pkg;
}

/** Installs Dawn as `navigator.gpu` before tfjs-backend-webgpu is imported (it checks at import time). */
async function startWebgpu(allowFallback: boolean): Promise<string> {
  const found = await requestDawnAdapter();
  if (!found) throw unavailable('webgpu', 'Dawn found no WebGPU adapter');
  if (found.info.fallback && !allowFallback)
    throw unavailable('webgpu', `only a software adapter: ${describeAdapter(found.info)}`);
  const { globals } = (await import('webgpu')) as unknown as { globals: Record<string, unknown> };
  Object.assign(globalThis, globals);
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  g.navigator!.gpu = found.gpu;
  await import('@tensorflow/tfjs-backend-webgpu');
  await activate('webgpu');
  return describeAdapter(found.info);
}

async function startWasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  await activate('wasm');
}

/** Activates a backend and says which one runs and why. */
export async function selectBackend(requested: BackendRequest = 'auto'): Promise<SelectedBackend> {
  if (requested !== 'auto' && !(BACKEND_NAMES as readonly string[]).includes(requested)) {
    throw new PnetError('BAD_ARGUMENT', `unknown backend "${requested}"; expected auto, ${BACKEND_NAMES.join(', ')}`);
  }
  switch (requested) {
    case 'tensorflow':
      return { name: 'tensorflow', reason: `requested; using ${await startTensorflow()}` };
    case 'webgpu':
      return { name: 'webgpu', reason: `requested; adapter ${await startWebgpu(true)}` };
    case 'wasm':
      await startWasm();
      return { name: 'wasm', reason: 'requested (one thread)' };
    case 'cpu':
      await activate('cpu');
      return { name: 'cpu', reason: 'requested' };
  }
  const skipped: string[] = [];
  if (installedTfjsNode()) {
    try {
      return { name: 'tensorflow', reason: `auto: ${await startTensorflow()} is installed (native TensorFlow)` };
    } catch (e) {
      skipped.push(`tensorflow failed (${(e as Error).message})`);
    }
  } else skipped.push('tensorflow not installed');
  try {
    return { name: 'webgpu', reason: `auto: WebGPU adapter ${await startWebgpu(false)}` };
  } catch (e) {
    skipped.push(`webgpu: ${(e as Error).message.replace(/^TF\.js backend "webgpu" is not available: /, '')}`);
  }
  try {
    await startWasm();
    return { name: 'wasm', reason: `auto: fastest present (${skipped.join('; ')})` };
  } catch (e) {
    skipped.push(`wasm failed (${(e as Error).message})`);
  }
  await activate('cpu');
  return { name: 'cpu', reason: `auto: nothing faster works (${skipped.join('; ')})` };
}

/** Lets the process exit after a WebGPU run (Dawn keeps the event loop alive while navigator.gpu holds it). */
export function releaseBackend(): void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) g.navigator.gpu = undefined;
}
