/** For exporter tests: the real ShapeNet sample, and labels calibrated to vary over a cloud (tests/helpers/tiny-model.ts makes the models). */
import { readFileSync, readdirSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { buildOnnxModel } from '../../../exporters/onnx/index.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelArchitecture, WeightMap } from '../../../src/model/spec.ts';
import type { CheckpointMeta } from '../../../src/checkpoint/format.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Glorot-initialised nets give one label almost everywhere (a large per-class constant in the logits), which
 * would make label agreement meaningless. Sharpen the head, then shift its bias by the mean log-probability
 * of each class over a real cloud (run through the exported model), so every class wins somewhere.
 */
export async function withVariedLabels(
  model: { architecture: ModelArchitecture; weights: WeightMap; meta: CheckpointMeta },
  cloud: Float32Array,
): Promise<WeightMap> {
  const { architecture } = model;
  const weights: WeightMap = new Map([...model.weights].map(([k, w]) => [k, { ...w, data: w.data.slice() }]));
  const head = weights.get(`${architecture.headPrefix}/kernel`)!.data;
  for (let i = 0; i < head.length; i++) head[i]! *= 4;
  const session = await ort.InferenceSession.create(
    buildOnnxModel({ ...model, weights, checkpointSha256: '0'.repeat(64) }),
  );
  const n = cloud.length / 3;
  const out = await session.run({ points: new ort.Tensor('float32', cloud, [1, n, 3]) });
  const probs = out.probabilities!.data as Float32Array;
  const classes = architecture.numClasses;
  const bias = weights.get(`${architecture.headPrefix}/bias`)!.data;
  for (let c = 0; c < classes; c++) {
    let meanLog = 0;
    for (let p = 0; p < n; p++) meanLog += Math.log(Math.max(probs[p * classes + c]!, 1e-30)) / n;
    bias[c]! -= meanLog;
  }
  await session.release();
  return weights;
}

export const SHAPENET_DIR = path.resolve(
  repoRoot,
  'tests/fixtures/shapenetcore_partanno_segmentation_benchmark_v0_normal',
);

/** xyz of every real cloud in the shared sample (`x y z nx ny nz part` per line), sorted by path. */
export function realClouds(): Array<{ file: string; points: Float32Array }> {
  const out: Array<{ file: string; points: Float32Array }> = [];
  for (const synset of readdirSync(SHAPENET_DIR)
    .filter((d) => /^\d+$/.test(d))
    .sort()) {
    for (const f of readdirSync(path.join(SHAPENET_DIR, synset))
      .filter((f) => f.endsWith('.txt'))
      .sort()) {
      const file = path.join(SHAPENET_DIR, synset, f);
      const xyz: number[] = [];
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const v = line.trim().split(/\s+/);
        if (v.length < 3 || v[0] === '') continue;
        xyz.push(Number(v[0]), Number(v[1]), Number(v[2]));
      }
      out.push({ file, points: new Float32Array(xyz) });
    }
  }
  return out;
}

/** The first `n` points of a cloud (the files have ~2,500–2,900, so any n up to that is real data). */
export function firstPoints(points: Float32Array, n: number): Float32Array {
  if (points.length < n * 3) throw new Error(`cloud has ${points.length / 3} points, ${n} requested`);
  return points.slice(0, n * 3);
}
