import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './src/backend/index.ts';
import { PointNet } from './src/model/pointnet.ts';
import { FAST_OPS, PLAIN_OPS } from './src/model/ops.ts';
import { initialWeights, loadPreset, modelLayout } from './src/model/spec.ts';
import { Adam } from './src/train/adam.ts';
import { trainStep } from './src/train/step.ts';
import { Rng } from './src/rng.ts';
const [preset, bs, opsName, prof] = [process.argv[2]!, Number(process.argv[3]), process.argv[4], process.argv[5]];
await selectBackend((process.argv[6] as any) ?? 'wasm');
const layout = modelLayout(loadPreset(preset), 5);
const model = PointNet.create(layout, initialWeights(layout, 1));
const opt = new Adam(model.trainableParams());
const rng = new Rng(1); const n = 1024;
const batch = { size: bs, numPoints: n, points: Float32Array.from({ length: bs * n * 3 }, () => rng.uniform(-0.5, 0.5)), labels: Int32Array.from({ length: bs * n }, () => rng.int(5)) };
const ops = opsName === 'plain' ? PLAIN_OPS : FAST_OPS;
for (let i = 0; i < 2; i++) {
  const t0 = performance.now();
  if (prof && i === 1) {
    const p = await tf.profile(() => { trainStep(model, opt, batch, 1e-3, ops); });
    const agg = new Map<string, { ms: number; n: number }>();
    for (const k of p.kernels) { const a = agg.get(k.name) ?? { ms: 0, n: 0 }; a.ms += k.kernelTimeMs as number; a.n++; agg.set(k.name, a); }
    console.log([...agg].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15).map(([k, a]) => `${k} ${a.ms.toFixed(0)}ms x${a.n}`).join('\n'));
    const mm = new Map<string, { ms: number; n: number }>();
    for (const k of p.kernels) if (k.name === 'BatchMatMul' || k.name === 'Transpose' || k.name==='Unpack') { const key = k.name + ' ' + JSON.stringify(k.inputShapes); const a = mm.get(key) ?? { ms: 0, n: 0 }; a.ms += k.kernelTimeMs as number; a.n++; mm.set(key, a); }
    console.log([...mm].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25).map(([k, a]) => `${k} ${a.ms.toFixed(0)}ms x${a.n}`).join('\n'));
    console.log('peakBytes', p.peakBytes / 1e6);
  } else trainStep(model, opt, batch, 1e-3, ops);
  console.log('heapGB', ((tf.backend() as any).wasm?.HEAPU8?.length / 1e9).toFixed(2)); console.log(preset, bs, opsName, 'step', ((performance.now() - t0) / 1000).toFixed(2), 's', tf.memory().numTensors);
}
