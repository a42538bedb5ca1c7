/**
 * Whether an fp16 export still gives the fp32 answers: both builds of one checkpoint run on a few seeded synthetic
 * airplanes (onnxruntime-node, CPU) and are compared as every parity row is (compare.ts, tolerances.ts).
 * Synthetic clouds keep the check independent of any dataset on disk.
 */
import { buildOnnxModel } from '../../exporters/onnx/index.ts';
import type { OnnxExportInput } from '../../exporters/onnx/build-model.ts';
import { readCheckpointForExport, writeExport } from '../../exporters/onnx/export-checkpoint.ts';
import type { ExportReport } from '../../exporters/onnx/export-types.ts';
import { normalizeUnitSphere } from '../core/normalize.ts';
import { Rng } from '../core/rng.ts';
import { synthAirplane } from '../data/synth.ts';
import { compareOutputs, withinTolerance } from './compare.ts';
import { FP16_TOLERANCE } from './tolerances.ts';
import type { CloudOutput, ParityTolerance } from './types.ts';
import { TENSOR_NAMES } from '../core/contract.ts';

const FP16_PARITY_CLOUDS = 3;
const FP16_PARITY_SEED = 16;

export interface Fp16Parity {
  clouds: number;
  points: number;
  maxAbsDiff: number;
  labelAgreement: number;
  tolerance: ParityTolerance;
  withinTolerance: boolean;
}

export interface Fp16ExportReport extends ExportReport {
  fp16Parity: Fp16Parity;
}

/**
 * `pnet export --fp16`: the fp16 file written atomically, and its gap to the fp32 build of the same weights, from one
 * read of the checkpoint and the bytes in memory.
 */
export async function exportCheckpointToFp16Onnx(
  checkpointPath: string,
  outPath: string,
  options: { normalize: boolean },
): Promise<Fp16ExportReport> {
  const input = await readCheckpointForExport(checkpointPath);
  let fp16Bytes: Uint8Array | undefined;
  const report = await writeExport(input, checkpointPath, outPath, (i) => {
    fp16Bytes = buildOnnxModel(i, { fp16: true, normalize: options.normalize });
    return fp16Bytes;
  });
  return { ...report, fp16Parity: await measureFp16Parity(input, fp16Bytes!, options.normalize) };
}

/** Raw coordinates are fed unless the graph was exported without normalisation (`normalize` false). */
export async function measureFp16Parity(
  input: OnnxExportInput,
  fp16Bytes: Uint8Array,
  normalize: boolean,
): Promise<Fp16Parity> {
  const fp32Bytes = buildOnnxModel(input, { normalize });
  const ort = await import('onnxruntime-node');
  const [full, half] = await Promise.all([fp32Bytes, fp16Bytes].map((b) => ort.InferenceSession.create(b)));
  const rng = new Rng(FP16_PARITY_SEED);
  const fp32: CloudOutput[] = [];
  const fp16: CloudOutput[] = [];
  let points = 0;
  try {
    for (let i = 0; i < FP16_PARITY_CLOUDS; i++) {
      const raw = synthAirplane(rng.fork(i + 1), `fp16_parity_${i}`).points;
      const xyz = normalize ? raw : normalizeUnitSphere(raw);
      const n = xyz.length / 3;
      const feeds = { [TENSOR_NAMES.points]: new ort.Tensor('float32', xyz, [1, n, 3]) };
      for (const [session, outputs] of [
        [full!, fp32],
        [half!, fp16],
      ] as const) {
        const r = await session.run(feeds);
        outputs.push({
          probabilities: r[TENSOR_NAMES.probabilities]!.data as Float32Array,
          labels: Int32Array.from(r[TENSOR_NAMES.labels]!.data as BigInt64Array, Number),
        });
      }
      points += n;
    }
  } finally {
    await Promise.all([full!.release(), half!.release()]);
  }
  const diff = compareOutputs(fp32, fp16);
  return {
    clouds: FP16_PARITY_CLOUDS,
    points,
    ...diff,
    tolerance: FP16_TOLERANCE,
    withinTolerance: withinTolerance(diff, FP16_TOLERANCE),
  };
}
