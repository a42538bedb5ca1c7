/**
 * onnxruntime-web's WASM build inside Node: the same kernels a browser runs on its WASM EP, without a browser.
 * Imported lazily: `onnxruntime-web` in Node resolves to its cpu/wasm build and loads its .wasm from its own dist/.
 */
import { readFile } from 'node:fs/promises';
import { timePerCloud } from './timing.ts';
import type { ParityCloud, RuntimeOutcome } from '../types.ts';
import { TENSOR_NAMES } from '../../core/contract.ts';

export async function runOrtWebInNode(modelPath: string, clouds: ParityCloud[]): Promise<RuntimeOutcome> {
  const ort = await import('onnxruntime-web');
  // Worker threads of the web build expect a browser; one thread is what Node supports.
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(await readFile(modelPath), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  try {
    const { outputs, msPerCloud, msEach } = await timePerCloud(clouds, async (c) => {
      const n = c.xyz.length / 3;
      const input = new ort.Tensor('float32', c.xyz, [1, n, 3]);
      const out = await session.run({ [TENSOR_NAMES.points]: input });
      const probabilities = new Float32Array(out[TENSOR_NAMES.probabilities]!.data as Float32Array);
      const labels = Int32Array.from(out[TENSOR_NAMES.labels]!.data as BigInt64Array, Number);
      input.dispose();
      out[TENSOR_NAMES.probabilities]!.dispose();
      out[TENSOR_NAMES.labels]!.dispose();
      return { probabilities, labels };
    });
    return { ran: true, outputs, msPerCloud, msEach, note: `onnxruntime-web ${ort.env.versions.web ?? ''}, 1 thread` };
  } finally {
    await session.release();
  }
}
