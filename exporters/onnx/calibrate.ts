/**
 * Activation ranges for int8 export: the float32 model runs on calibration clouds through onnxruntime-node with
 * the tensors to be quantized exposed as extra graph outputs, and each tensor's range is taken from what it held.
 *
 * - `minmax`: the smallest and largest value seen.
 * - `percentile`: the value at `percentile` % (and at 100 − `percentile` % when the tensor goes negative), read
 *   from a 4096-bin histogram over the min–max range filled in a second pass; clips rare outliers, so the common
 *   values get finer steps.
 *
 * Determinism: the sessions run on one thread, and every range is rounded outward to 16 significant bits, so the
 * last-bit differences that float sums can show between CPUs almost never change the file.
 */
import { onnx, type OnnxTypes } from './onnx-proto.ts';
import type { TensorRange } from './quantize-graph.ts';
import { TENSOR_NAMES } from '../../src/core/contract.ts';

export const CALIBRATION_METHODS = ['minmax', 'percentile'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];
/** Chosen by measurement on the real lite checkpoint (see bench/int8.ts). */
export const DEFAULT_CALIBRATION_METHOD: CalibrationMethod = 'minmax';

export const DEFAULT_PERCENTILE = 99.99;
const HISTOGRAM_BINS = 4096;
const RANGE_BITS = 16;

export interface CalibrationSettings {
  method: CalibrationMethod;
  /** For `percentile`; default DEFAULT_PERCENTILE. */
  percentile?: number;
}

/** `x` rounded away from zero (`up` for a maximum) or towards −∞ (a minimum) to RANGE_BITS significant bits. */
function roundOutward(x: number, up: boolean): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const step = 2 ** (Math.floor(Math.log2(Math.abs(x))) - (RANGE_BITS - 1));
  return (up ? Math.ceil(x / step) : Math.floor(x / step)) * step;
}

/** The float model with `tensors` added as float outputs (all intermediate values of it). */
export function withExposedTensors(modelBytes: Uint8Array, tensors: readonly string[]): Uint8Array {
  const model = onnx.ModelProto.decode(modelBytes);
  const outputs: OnnxTypes.IValueInfoProto[] = tensors.map((name) => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } },
  }));
  model.graph!.output = [...model.graph!.output!, ...outputs.map((o) => onnx.ValueInfoProto.create(o))];
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Ranges of `tensors` over `clouds` (xyz, fed one at a time as [1, n, 3], as the model's input takes them).
 * Non-finite values are skipped (a range must be finite); a tensor with none left gets [0, 0].
 */
export async function calibrateRanges(
  floatModel: Uint8Array,
  tensors: readonly string[],
  clouds: readonly Float32Array[],
  settings: CalibrationSettings,
): Promise<Map<string, TensorRange>> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(withExposedTensors(floatModel, tensors), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const run = async (cloud: Float32Array) => {
    const feeds = { [TENSOR_NAMES.points]: new ort.Tensor('float32', cloud, [1, cloud.length / 3, 3]) };
    const result = await session.run(feeds, [...tensors]);
    return tensors.map((t) => result[t]!.data as Float32Array);
  };
  try {
    const min = new Float64Array(tensors.length).fill(Infinity);
    const max = new Float64Array(tensors.length).fill(-Infinity);
    for (const cloud of clouds) {
      const values = await run(cloud);
      values.forEach((v, t) => {
        let lo = min[t]!;
        let hi = max[t]!;
        for (let i = 0; i < v.length; i++) {
          const x = v[i]!;
          if (x < lo) lo = x;
          if (x > hi) hi = x;
        }
        min[t] = lo;
        max[t] = hi;
      });
    }
    const ranges = new Map<string, TensorRange>();
    const finite = (t: number) => Number.isFinite(min[t]) && Number.isFinite(max[t]);
    if (settings.method === 'minmax') {
      tensors.forEach((name, t) => {
        ranges.set(name, finite(t) ? { min: min[t]!, max: max[t]! } : { min: 0, max: 0 });
      });
    } else {
      const p = (settings.percentile ?? DEFAULT_PERCENTILE) / 100;
      const histograms = tensors.map(() => new Float64Array(HISTOGRAM_BINS));
      for (const cloud of clouds) {
        const values = await run(cloud);
        values.forEach((v, t) => {
          if (!finite(t) || max[t] === min[t]) return;
          const h = histograms[t]!;
          const lo = min[t]!;
          const perBin = HISTOGRAM_BINS / (max[t]! - lo);
          for (let i = 0; i < v.length; i++) {
            const x = v[i]!;
            if (!(x >= lo && x <= max[t]!)) continue;
            h[Math.min(HISTOGRAM_BINS - 1, Math.floor((x - lo) * perBin))]! += 1;
          }
        });
      }
      tensors.forEach((name, t) => {
        if (!finite(t) || max[t] === min[t]) {
          ranges.set(name, finite(t) ? { min: min[t]!, max: max[t]! } : { min: 0, max: 0 });
          return;
        }
        const h = histograms[t]!;
        const total = h.reduce((a, b) => a + b, 0);
        const width = (max[t]! - min[t]!) / HISTOGRAM_BINS;
        // Upper end: the top edge of the bin where the cumulative count reaches p of the values.
        let upper = max[t]!;
        let count = 0;
        for (let b = 0; b < HISTOGRAM_BINS; b++) {
          count += h[b]!;
          if (count >= p * total) {
            upper = min[t]! + (b + 1) * width;
            break;
          }
        }
        let lower = min[t]!;
        if (min[t]! < 0) {
          count = 0;
          for (let b = HISTOGRAM_BINS - 1; b >= 0; b--) {
            count += h[b]!;
            if (count >= p * total) {
              lower = min[t]! + b * width;
              break;
            }
          }
        }
        ranges.set(name, { min: lower, max: upper });
      });
    }
    for (const [name, r] of ranges)
      ranges.set(name, { min: roundOutward(r.min, false), max: roundOutward(r.max, true) });
    return ranges;
  } finally {
    await session.release();
  }
}
