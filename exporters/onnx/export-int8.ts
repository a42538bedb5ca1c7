/**
 * Checkpoint + calibration clouds → int8 .onnx (QDQ, see quantize-graph.ts): build the float32 graph, calibrate
 * the activations it will quantize on real clouds (calibrate.ts), rewrite it, and stamp the contract's metadata
 * with `pnet.precision` = `int8` and the calibration facts. Same checkpoint + same clouds → same bytes.
 */
import { buildOnnxModel, encodePointNetModel, type OnnxExportInput } from './build-model.ts';
import { calibrateRanges, DEFAULT_PERCENTILE, type CalibrationSettings } from './calibrate.ts';
import { buildPointNetGraph } from './pointnet-graph.ts';
import { planInt8, quantizeGraph, type Int8Choices } from './quantize-graph.ts';
import { METADATA_KEYS, TENSOR_NAMES } from '../../src/core/contract.ts';
import { normalizeUnitSphere } from '../../src/core/normalize.ts';

/** The clouds an int8 export calibrates on and what its metadata records of them (src/quantize reads them). */
export interface CalibrationClouds {
  /** xyz of each cloud, raw coordinates. */
  clouds: Float32Array[];
  source: 'dataset-train-split' | 'dataset' | 'cloud-files';
  categories: string[];
  /** sha256 over the clouds' coordinates, naming the data wherever it lives. */
  sha256: string;
  /** The data's name (its folder's base name). */
  name: string;
}

export interface Int8Options extends Int8Choices, CalibrationSettings {
  /** As for float exports: false builds a graph that expects normalised input (calibration clouds are normalised here). */
  normalize?: boolean;
}

/** What `pnet.calibration` records (JSON, keys sorted). */
export interface Int8Calibration {
  method: CalibrationSettings['method'];
  percentile?: number;
  clouds: number;
  /** The calibration folder's name (not its path, which differs between machines). */
  data: string;
  source: CalibrationClouds['source'];
  categories: string[];
  /** sha256 of the calibration clouds' coordinates, in the order used. */
  data_sha256: string;
  activations: 'uint8 per tensor';
  weights: 'int8 symmetric per output channel';
  float32_layers: string[];
  /** Layers that store int8 weights but compute in float (the per-cloud Gemms after a max over the points). */
  int8_weight_only_layers: string[];
}

export interface Int8Agreement {
  clouds: number;
  points: number;
  /** Share of points whose int8 label equals the float32 one. */
  labelAgreement: number;
  /** Largest |int8 − float32| over all probabilities. */
  maxAbsDiff: number;
}

export interface Int8Build {
  bytes: Uint8Array;
  calibration: Int8Calibration;
  /** int8 vs float32 labels on the calibration clouds (onnxruntime-node, CPU). */
  agreement: Int8Agreement;
}

function stableJson(value: Record<string, unknown>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, value[k]]),
    ),
  );
}

async function labelAgreement(a: Uint8Array, b: Uint8Array, clouds: readonly Float32Array[]): Promise<Int8Agreement> {
  const ort = await import('onnxruntime-node');
  const sessions = await Promise.all([a, b].map((m) => ort.InferenceSession.create(m)));
  let same = 0;
  let points = 0;
  let maxAbsDiff = 0;
  try {
    for (const cloud of clouds) {
      const feeds = { [TENSOR_NAMES.points]: new ort.Tensor('float32', cloud, [1, cloud.length / 3, 3]) };
      const [x, y] = await Promise.all(sessions.map((s) => s.run(feeds)));
      const lx = x![TENSOR_NAMES.labels]!.data as BigInt64Array;
      const ly = y![TENSOR_NAMES.labels]!.data as BigInt64Array;
      for (let i = 0; i < lx.length; i++) if (lx[i] === ly[i]) same++;
      points += lx.length;
      const px = x![TENSOR_NAMES.probabilities]!.data as Float32Array;
      const py = y![TENSOR_NAMES.probabilities]!.data as Float32Array;
      for (let i = 0; i < px.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(px[i]! - py[i]!));
    }
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
  return { clouds: clouds.length, points, labelAgreement: points > 0 ? same / points : 1, maxAbsDiff };
}

/** The int8 model of `input`, calibrated on `set` (its clouds' raw coordinates). */
export async function buildInt8Model(
  input: OnnxExportInput,
  set: CalibrationClouds,
  options: Int8Options,
): Promise<Int8Build> {
  const normalize = options.normalize ?? true;
  // Also checks the checkpoint's weights and metadata against its layout.
  const floatBytes = buildOnnxModel(input, { normalize });
  const graph = buildPointNetGraph(input.architecture, input.weights, { normalize, precision: 'float32' });
  const plan = planInt8(input.architecture, graph, options);
  const feeds = normalize ? set.clouds : set.clouds.map(normalizeUnitSphere);
  const ranges = await calibrateRanges(floatBytes, plan.calibrated, feeds, options);
  const calibration: Int8Calibration = {
    method: options.method,
    ...(options.method === 'percentile' && { percentile: options.percentile ?? DEFAULT_PERCENTILE }),
    clouds: set.clouds.length,
    data: set.name,
    source: set.source,
    categories: set.categories,
    data_sha256: set.sha256,
    activations: 'uint8 per tensor',
    weights: 'int8 symmetric per output channel',
    float32_layers: plan.float32Layers,
    int8_weight_only_layers: plan.weightOnlyLayers,
  };
  const bytes = encodePointNetModel(input, quantizeGraph(graph, plan, ranges), {
    normalize,
    precision: 'int8',
    extraMetadata: [{ key: METADATA_KEYS.calibration, value: stableJson({ ...calibration }) }],
  });
  return { bytes, calibration, agreement: await labelAgreement(floatBytes, bytes, feeds) };
}
