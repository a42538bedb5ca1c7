/**
 * Child process of bench/graph-layouts.ts: runs one model on onnxruntime-web's WASM build with profiling on.
 * The WASM build prints its profile (Chrome trace JSON) on stdout from inside the module, where the parent
 * can read it; nothing else is printed.
 *
 *   node bin/run-ts.js bench/wasm-profile-child.ts MODEL.onnx POINTS RUNS
 */
import { readFile } from 'node:fs/promises';
import { Rng } from '../src/core/rng.ts';

const [modelPath, pointsArg, runsArg] = process.argv.slice(2);
const points = Number(pointsArg);
const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(await readFile(modelPath!), {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
  enableProfiling: true,
});
const rng = new Rng(1);
const input = new ort.Tensor(
  'float32',
  Float32Array.from({ length: points * 3 }, () => rng.uniform(-1, 1)),
  [1, points, 3],
);
for (let i = 0; i <= Number(runsArg); i++) await session.run({ points: input });
session.endProfiling();
await session.release();
