/**
 * The PointNet segmentation architecture as data: preset widths, and the name and shape of every parameter.
 * This is the contract between the TF.js model (src/model), checkpoints (src/checkpoint) and the ONNX
 * exporter (exporters/onnx): all three address weights by the names listed here.
 *
 * Topology (the reference Keras example, with the point count left dynamic):
 *   input T-Net(3) → x·A(3×3) → conv f0 → conv f1 → conv f2 → feature T-Net(f2) → h·B(f2×f2) = t
 *   → conv g0 → conv g1 → global max over points → broadcast → concat [f0,f1,f2,t,g0,global(g1)]
 *   → conv segHidden → conv classes → softmax
 * Every "conv" is a pointwise (kernel size 1) convolution + batch norm + ReLU; the T-Nets are conv×3 → max →
 * dense×2 (+BN+ReLU) → dense to k×k with zero kernel and identity bias.
 */
import { PnetError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';

export interface TnetSpec {
  conv: number[];
  dense: number[];
}

export interface PresetSpec {
  name: string;
  description?: string;
  inputTnet: TnetSpec;
  /** Widths of the three pointwise convs before the feature transform; the last one is the T-Net size. */
  features: [number, number, number];
  featureTnet: TnetSpec;
  /** Widths of the two pointwise convs after the feature transform; the last one is the global feature. */
  features2: [number, number];
  segHidden: number;
  batchNorm: { epsilon: number; momentum: number };
  /** Weight of the T-Net orthogonality regulariser ‖AAᵀ−I‖². */
  orthoWeight: number;
}

export const PRESET_NAMES = ['keras', 'mid', 'lite'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export function checkPresetName(name: string): asserts name is PresetName {
  if (!(PRESET_NAMES as readonly string[]).includes(name)) {
    throw new PnetError('BAD_ARGUMENT', `unknown preset "${name}"; expected one of: ${PRESET_NAMES.join(', ')}`);
  }
}

export type ParamRole = 'kernel' | 'bias' | 'gamma' | 'beta' | 'moving_mean' | 'moving_variance';

export interface ParamSpec {
  /** e.g. `input_tnet/conv1/kernel`, `features/conv2/bn/gamma`, `seg/head/bias`. */
  name: string;
  shape: number[];
  role: ParamRole;
  /** Moving statistics are updated by batch norm, not by the optimizer. */
  trainable: boolean;
  init: 'glorot_uniform' | 'zeros' | 'ones' | 'identity';
}

/** A pointwise conv or dense layer followed by batch norm (+ ReLU at run time). */
export interface BlockSpec {
  /** Layer prefix, e.g. `features/conv1`; params are `${prefix}/kernel`, `${prefix}/bias`, `${prefix}/bn/*`. */
  prefix: string;
  inputs: number;
  outputs: number;
}

export interface TnetArchitecture {
  prefix: 'input_tnet' | 'feature_tnet';
  k: number;
  conv: BlockSpec[];
  dense: BlockSpec[];
  /** Dense to k×k, kernel zeros and bias identity at init; `${prefix}/final/{kernel,bias}`. */
  finalPrefix: string;
  finalInputs: number;
}

export interface ModelArchitecture {
  preset: PresetSpec;
  numClasses: number;
  inputTnet: TnetArchitecture;
  /** features/conv1..3 (before the feature transform). */
  features: BlockSpec[];
  featureTnet: TnetArchitecture;
  /** features/conv4..5 (after the feature transform). */
  features2: BlockSpec[];
  /**
   * Widths of the concat feeding the seg head, in order: [f0, f1, f2, transformed, g0, global(g1)].
   * Rows of `seg/conv1/kernel` follow this order; the last g1 rows multiply the global feature, which is the
   * same for every point of a cloud (so the exporter computes that part once per cloud).
   */
  concatWidths: number[];
  segHidden: BlockSpec;
  /** `seg/head/{kernel,bias}`: pointwise conv to classes, softmax, no batch norm. */
  headPrefix: string;
}

function tnetArchitecture(prefix: TnetArchitecture['prefix'], k: number, spec: TnetSpec): TnetArchitecture {
  const conv: BlockSpec[] = [];
  let width = k;
  spec.conv.forEach((out, i) => {
    conv.push({ prefix: `${prefix}/conv${i + 1}`, inputs: width, outputs: out });
    width = out;
  });
  const dense: BlockSpec[] = [];
  spec.dense.forEach((out, i) => {
    dense.push({ prefix: `${prefix}/dense${i + 1}`, inputs: width, outputs: out });
    width = out;
  });
  return { prefix, k, conv, dense, finalPrefix: `${prefix}/final`, finalInputs: width };
}

export function modelArchitecture(preset: PresetSpec, numClasses: number): ModelArchitecture {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new PnetError('BAD_ARGUMENT', `a segmentation model needs at least 2 classes, got ${numClasses}`);
  }
  const [f0, f1, f2] = preset.features;
  const [g0, g1] = preset.features2;
  const features: BlockSpec[] = [
    { prefix: 'features/conv1', inputs: 3, outputs: f0 },
    { prefix: 'features/conv2', inputs: f0, outputs: f1 },
    { prefix: 'features/conv3', inputs: f1, outputs: f2 },
  ];
  const features2: BlockSpec[] = [
    { prefix: 'features/conv4', inputs: f2, outputs: g0 },
    { prefix: 'features/conv5', inputs: g0, outputs: g1 },
  ];
  const concatWidths = [f0, f1, f2, f2, g0, g1];
  const concat = concatWidths.reduce((a, b) => a + b, 0);
  return {
    preset,
    numClasses,
    inputTnet: tnetArchitecture('input_tnet', 3, preset.inputTnet),
    features,
    featureTnet: tnetArchitecture('feature_tnet', f2, preset.featureTnet),
    features2,
    concatWidths,
    segHidden: { prefix: 'seg/conv1', inputs: concat, outputs: preset.segHidden },
    headPrefix: 'seg/head',
  };
}

function blockParams(b: BlockSpec): ParamSpec[] {
  return [
    {
      name: `${b.prefix}/kernel`,
      shape: [b.inputs, b.outputs],
      role: 'kernel',
      trainable: true,
      init: 'glorot_uniform',
    },
    { name: `${b.prefix}/bias`, shape: [b.outputs], role: 'bias', trainable: true, init: 'zeros' },
    { name: `${b.prefix}/bn/gamma`, shape: [b.outputs], role: 'gamma', trainable: true, init: 'ones' },
    { name: `${b.prefix}/bn/beta`, shape: [b.outputs], role: 'beta', trainable: true, init: 'zeros' },
    { name: `${b.prefix}/bn/moving_mean`, shape: [b.outputs], role: 'moving_mean', trainable: false, init: 'zeros' },
    {
      name: `${b.prefix}/bn/moving_variance`,
      shape: [b.outputs],
      role: 'moving_variance',
      trainable: false,
      init: 'ones',
    },
  ];
}

function tnetParams(t: TnetArchitecture): ParamSpec[] {
  return [
    ...[...t.conv, ...t.dense].flatMap(blockParams),
    {
      name: `${t.finalPrefix}/kernel`,
      shape: [t.finalInputs, t.k * t.k],
      role: 'kernel',
      trainable: true,
      init: 'zeros',
    },
    { name: `${t.finalPrefix}/bias`, shape: [t.k * t.k], role: 'bias', trainable: true, init: 'identity' },
  ];
}

/** Every parameter of the model, in a fixed canonical order (the order of the forward pass). */
export function paramSpecs(architecture: ModelArchitecture): ParamSpec[] {
  return [
    ...tnetParams(architecture.inputTnet),
    ...architecture.features.flatMap(blockParams),
    ...tnetParams(architecture.featureTnet),
    ...architecture.features2.flatMap(blockParams),
    ...blockParams(architecture.segHidden),
    {
      name: `${architecture.headPrefix}/kernel`,
      shape: [architecture.segHidden.outputs, architecture.numClasses],
      role: 'kernel',
      trainable: true,
      init: 'glorot_uniform',
    },
    {
      name: `${architecture.headPrefix}/bias`,
      shape: [architecture.numClasses],
      role: 'bias',
      trainable: true,
      init: 'zeros',
    },
  ];
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Parameter count as Keras counts it (moving statistics included): 7,370,062 for keras with 5 classes. */
export function countParams(architecture: ModelArchitecture): number {
  return paramSpecs(architecture).reduce((n, p) => n + sizeOf(p.shape), 0);
}

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Weights by parameter name; the in-memory form shared by the model, checkpoints and the exporter. */
export type WeightMap = Map<string, NamedArray>;

/** Keras-style initial values (glorot uniform kernels, zero biases, identity T-Net bias), seeded. */
export function initialWeights(architecture: ModelArchitecture, seed: number): WeightMap {
  const rng = new Rng(seed);
  const weights: WeightMap = new Map();
  for (const p of paramSpecs(architecture)) {
    const data = new Float32Array(sizeOf(p.shape));
    if (p.init === 'ones') data.fill(1);
    else if (p.init === 'identity') {
      const k = Math.round(Math.sqrt(data.length));
      for (let i = 0; i < k; i++) data[i * k + i] = 1;
    } else if (p.init === 'glorot_uniform') {
      const [fanIn, fanOut] = p.shape as [number, number];
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-limit, limit);
    }
    weights.set(p.name, { name: p.name, shape: [...p.shape], data });
  }
  return weights;
}
