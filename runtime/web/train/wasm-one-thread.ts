/**
 * TF.js's wasm backend in a training worker: SIMD on one thread. The batch is split across workers instead, which
 * this net gains from where TF.js's own threads do not; the flag must be set before the backend initialises.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export async function startOneThreadWasm(): Promise<void> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  // From the worker's own script (train/*.js), not this module's URL: the build may move this code into chunks/.
  setWasmPaths(new URL('../tfjs/', (globalThis as unknown as { location: { href: string } }).location.href).href);
  if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js wasm backend could not start in a training worker');
  await tf.ready();
}
