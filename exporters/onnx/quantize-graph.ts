/**
 * int8 static quantization of the channel-first PointNet graph in the QDQ form: QuantizeLinear / DequantizeLinear
 * pairs around the float ops, which ONNX Runtime's QDQ transformer fuses into QLinearConv / QGemm kernels.
 *
 * - Weights: int8, symmetric (zero point 0, range ±127), one scale per output channel (DequantizeLinear with
 *   `axis` on the weight); biases int32 at scale activation × weight, zero point 0, as QLinearConv / QGemm take them.
 * - Activations: uint8, one scale and zero point per tensor from calibrated ranges. uint8 is the operand type of
 *   the x64 int8 kernels (VNNI's VPDPBUSD multiplies u8 by s8; ORT converts s8 activations to u8 there anyway),
 *   and a ReLU output with zero point 0 uses all 256 levels.
 * - Every max over the points (T-Net pools, global feature) runs in float on the dequantised tensor, and the
 *   per-cloud Gemm after it stores int8 weights but computes in float (planInt8 says why).
 * - Kept float32 (defaultFloat32Layers): the layers reading the 3 coordinates (no int8 gain at K = 3, and 8 bits
 *   would put every point on a 1/128-radius grid), the input T-Net's final layer (its 3×3 transform moves every
 *   coordinate) and the seg head (its quantized logits would decide the labels); and everything that is not a Conv
 *   or Gemm (normalisation, the transform MatMuls, Concat, Add, Softmax, ArgMax). bench/int8.ts measures what
 *   quantizing each of them too would cost.
 */
import { onnx, type OnnxTypes } from './onnx-proto.ts';
import { OnnxGraphBuilder } from './graph-builder.ts';
import type { ModelArchitecture } from '../../src/model/spec.ts';
import { TENSOR_NAMES } from '../../src/core/contract.ts';

const { DataType } = onnx.TensorProto;

/** A calibrated activation range. */
export interface TensorRange {
  min: number;
  max: number;
}

export interface Int8Choices {
  /** Layer prefixes to keep in float32, replacing defaultFloat32Layers (for measuring what each layer costs). */
  float32Layers?: readonly string[];
}

/** The layers an int8 export keeps in float32 unless told otherwise (see the file's comment). */
export function defaultFloat32Layers(architecture: ModelArchitecture): string[] {
  const coordinates = [...architecture.inputTnet.conv, ...architecture.features]
    .filter((b) => b.inputs <= 3)
    .map((b) => b.prefix);
  return [...coordinates, architecture.inputTnet.finalPrefix, architecture.headPrefix];
}

/** Which nodes run in int8 and which activations need a calibrated range. */
export interface Int8Plan {
  /** Names of the Conv / Gemm nodes that get int8 weights and quantized inputs (QLinearConv / QGemm). */
  quantizedNodes: string[];
  /** Names of the Gemm nodes that only store int8 weights (float input from a max over the points; see planInt8). */
  weightOnlyNodes: string[];
  /** Layer prefixes kept in float32 (reported, and recorded in the file's calibration metadata). */
  float32Layers: string[];
  /** Layer prefixes of weightOnlyNodes. */
  weightOnlyLayers: string[];
  /** Activation tensors that get a Q/DQ pair, each with a calibrated range, in graph order. */
  calibrated: string[];
}

type Graph = Pick<OnnxGraphBuilder, 'nodes' | 'initializers'>;

/** The layer a Conv / Gemm belongs to: its weight initializer's name without the last segment. */
function layerOf(weightName: string): string {
  return weightName.slice(0, weightName.lastIndexOf('/'));
}

function consumersOf(nodes: OnnxTypes.INodeProto[]): Map<string, OnnxTypes.INodeProto[]> {
  const map = new Map<string, OnnxTypes.INodeProto[]>();
  for (const n of nodes) {
    for (const i of n.input ?? []) {
      const list = map.get(i) ?? [];
      list.push(n);
      map.set(i, list);
    }
  }
  return map;
}

/** A Conv / Gemm's output after its ReLU, when a ReLU is its only reader (the value a QLinearConv would produce). */
function activatedOutput(node: OnnxTypes.INodeProto, consumers: Map<string, OnnxTypes.INodeProto[]>): string {
  const out = node.output![0]!;
  const readers = consumers.get(out) ?? [];
  return readers.length === 1 && readers[0]!.opType === 'Relu' ? readers[0]!.output![0]! : out;
}

export function planInt8(architecture: ModelArchitecture, graph: Graph, choices: Int8Choices = {}): Int8Plan {
  const initializers = new Map(graph.initializers.map((t) => [t.name!, t]));
  const consumers = consumersOf(graph.nodes);
  const producers = new Map(graph.nodes.map((n) => [n.output![0]!, n]));
  const keep = new Set(choices.float32Layers ?? defaultFloat32Layers(architecture));
  const quantizedNodes: string[] = [];
  const weightOnlyNodes: string[] = [];
  const weightOnlyLayers: string[] = [];
  const float32Layers: string[] = [];
  const tensors = new Set<string>();
  for (const node of graph.nodes) {
    if (node.opType !== 'Conv' && node.opType !== 'Gemm') continue;
    const weight = initializers.get(node.input![1]!);
    if (!weight) continue;
    const layer = layerOf(weight.name!);
    if (keep.has(layer)) {
      float32Layers.push(layer);
      continue;
    }
    // A max over the points stays float: a Q/DQ pair around ReduceMax makes onnxruntime run it on uint8, which
    // measured ~15× slower than its float kernel (bench/int8.ts --profile). The per-cloud Gemm reading it does
    // little work, so it keeps int8 weights (a quarter of the bytes) and computes in float.
    if (producers.get(node.input![0]!)?.opType === 'ReduceMax') {
      weightOnlyNodes.push(node.name!);
      weightOnlyLayers.push(layer);
      continue;
    }
    quantizedNodes.push(node.name!);
    tensors.add(node.input![0]!);
    // QLinearConv has a quantized output, so a Conv's output is always quantized; a Gemm may end in float (QGemm).
    if (node.opType === 'Conv') tensors.add(activatedOutput(node, consumers));
  }
  const order = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    order.set(n.output![0]!, i);
  });
  const calibrated = [...tensors].sort((a, b) => order.get(a)! - order.get(b)!);
  return { quantizedNodes, weightOnlyNodes, float32Layers, weightOnlyLayers, calibrated };
}

/** Round half to even, as QuantizeLinear does, so the weights round the way activations do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface ActivationParams {
  scale: number;
  zeroPoint: number;
}

/** uint8 asymmetric parameters for a range; the range is widened to hold 0 so that 0 is exact (ReLU zeros, padding). */
export function activationParams(range: TensorRange): ActivationParams {
  const min = Math.min(range.min, 0);
  const max = Math.max(range.max, 0);
  // A tensor that was all zeros over the calibration clouds: any positive scale represents it.
  const scale = max > min ? Math.fround((max - min) / 255) : 1;
  const zeroPoint = Math.min(255, Math.max(0, roundHalfEven(-min / scale)));
  return { scale, zeroPoint };
}

export interface QuantizedWeight {
  values: Int8Array;
  /** One per output channel. */
  scales: Float32Array;
}

/**
 * Symmetric int8 per output channel: scale = max|w| / 127, values in [−127, 127] (−128 is left out so that the
 * range is symmetric, as ORT's own quantizer does). `channelAxis` is 0 for a Conv weight [O, I, 1], 1 for a Gemm
 * weight [I, O].
 */
export function quantizeWeight(data: Float32Array, dims: number[], channelAxis: 0 | 1): QuantizedWeight {
  const channels = dims[channelAxis]!;
  const perChannel = data.length / channels;
  // Element e belongs to channel e / perChannel (axis 0) or e % channels (axis 1, rows of a [I, O] matrix).
  const channelOf = channelAxis === 0 ? (e: number) => Math.floor(e / perChannel) : (e: number) => e % channels;
  const absMax = new Float64Array(channels);
  for (let e = 0; e < data.length; e++) {
    const c = channelOf(e);
    absMax[c] = Math.max(absMax[c]!, Math.abs(data[e]!));
  }
  const scales = new Float32Array(channels);
  // An all-zero channel quantizes to zeros at any scale; 1 keeps the scale positive, as QLinearConv requires.
  for (let c = 0; c < channels; c++) scales[c] = absMax[c]! > 0 ? absMax[c]! / 127 : 1;
  const values = new Int8Array(data.length);
  for (let e = 0; e < data.length; e++) {
    values[e] = Math.max(-127, Math.min(127, roundHalfEven(data[e]! / scales[channelOf(e)]!)));
  }
  return { values, scales };
}

const INT32_MAX = 2 ** 31 - 1;

/** int32 bias at scale activationScale × weightScale[c] (the accumulator's scale), zero point 0. */
export function quantizeBias(
  bias: Float32Array,
  activationScale: number,
  weightScales: Float32Array,
): { values: Int32Array; scales: Float32Array } {
  const scales = new Float32Array(bias.length);
  const values = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    scales[c] = activationScale * weightScales[c]!;
    values[c] = Math.max(-INT32_MAX, Math.min(INT32_MAX, roundHalfEven(bias[c]! / scales[c]!)));
  }
  return { values, scales };
}

/** A row-major [rows, cols] matrix as [cols, rows]. */
function transposed(data: Float32Array, [rows, cols]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows!; r++) for (let c = 0; c < cols!; c++) out[c * rows! + r] = data[r * cols! + c]!;
  return out;
}

function floatData(t: OnnxTypes.ITensorProto): Float32Array {
  const raw = t.rawData!;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

/**
 * The QDQ graph: `plan` from planInt8 over the same float32 graph, `ranges` for every tensor in plan.calibrated.
 * Nodes stay in the float graph's order, each Q/DQ pair right after the value's producer, so the graph stays
 * topologically sorted and the same inputs give the same bytes.
 */
export function quantizeGraph(graph: Graph, plan: Int8Plan, ranges: Map<string, TensorRange>): OnnxGraphBuilder {
  const out = new OnnxGraphBuilder('float32');
  out.claim(TENSOR_NAMES.points);
  const initializers = new Map(graph.initializers.map((t) => [t.name!, t]));
  const quantizedNodes = new Set(plan.quantizedNodes);
  const weightOnlyNodes = new Set(plan.weightOnlyNodes);
  const consumers = consumersOf(graph.nodes);
  const replaced = new Set<string>();
  for (const node of graph.nodes) {
    if (quantizedNodes.has(node.name!) || weightOnlyNodes.has(node.name!)) replaced.add(node.input![1]!);
    if (quantizedNodes.has(node.name!) && node.input![2]) replaced.add(node.input![2]);
  }
  for (const t of graph.initializers) {
    if (replaced.has(t.name!)) continue;
    out.initializers.push(t);
    out.claim(t.name!);
  }

  const params = new Map<string, ActivationParams & { scaleName: string; zeroPointName: string }>();
  for (const t of plan.calibrated) {
    const range = ranges.get(t);
    if (!range) throw new Error(`no calibrated range for "${t}"`);
    const p = activationParams(range);
    const scaleName = out.floatInitializer(`${t}/scale`, [], new Float32Array([p.scale]));
    const zeroPointName = out.rawInitializer(`${t}/zero_point`, [], DataType.UINT8, new Uint8Array([p.zeroPoint]));
    params.set(t, { ...p, scaleName, zeroPointName });
  }

  /** Float value → the name its readers use (the DQ output once the value is quantized). */
  const renamed = new Map<string, string>();
  const read = (name: string) => renamed.get(name) ?? name;
  const emit = (opType: string, inputs: string[], output: string, attribute: OnnxTypes.IAttributeProto[] = []) => {
    for (const i of inputs) if (i !== '' && !out.claimed(i)) throw new Error(`node ${output} reads undefined "${i}"`);
    out.nodes.push({ name: output, opType, domain: '', input: inputs, output: [out.claim(output)], attribute });
  };
  const axisAttribute = (axis: number): OnnxTypes.IAttributeProto[] => [
    { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: axis },
  ];

  for (const node of graph.nodes) {
    const name = node.name!;
    const output = node.output![0]!;
    let attributes = node.attribute ?? [];
    if (quantizedNodes.has(name) || weightOnlyNodes.has(name)) {
      const isConv = node.opType === 'Conv';
      const weight = initializers.get(node.input![1]!)!;
      // onnxruntime folds a Gemm's weight DequantizeLinear into QGemm (quantized input) or MatMulNBits (float input,
      // nothing after it but its readers), except where a ReLU follows without a quantized output: there the
      // DequantizeLinear runs on every inference. Along axis 1 of [I, O] it goes element by element (3–5 ms for
      // keras' 1024×512 T-Net layers, far more than the Gemm), so such a weight is stored [O, I], a contiguous row
      // per channel (axis 0), and read with transB.
      const activated = isConv ? output : activatedOutput(node, consumers);
      const storeTransposed = !isConv && activated !== output && !(quantizedNodes.has(name) && params.has(activated));
      const channelAxis = isConv || storeTransposed ? 0 : 1;
      const dims = weight.dims!.map(Number);
      const data = storeTransposed ? transposed(floatData(weight), dims) : floatData(weight);
      const storedDims = storeTransposed ? [dims[1]!, dims[0]!] : dims;
      const q = quantizeWeight(data, storedDims, channelAxis);
      const channels = q.scales.length;
      const w = weight.name!;
      out.rawInitializer(`${w}/quantized`, storedDims, DataType.INT8, q.values);
      out.floatInitializer(`${w}/scale`, [channels], q.scales);
      out.rawInitializer(`${w}/zero_point`, [channels], DataType.INT8, new Int8Array(channels));
      // The DQ output takes the float weight's name, so the node itself keeps its inputs.
      emit('DequantizeLinear', [`${w}/quantized`, `${w}/scale`, `${w}/zero_point`], w, axisAttribute(channelAxis));
      if (storeTransposed) {
        attributes = [
          ...attributes.filter((a) => a.name !== 'transB'),
          { name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
        ];
      }
      const biasName = node.input![2];
      if (biasName && quantizedNodes.has(name)) {
        const activation = params.get(node.input![0]!)!;
        const b = quantizeBias(floatData(initializers.get(biasName)!), activation.scale, q.scales);
        out.rawInitializer(`${biasName}/quantized`, [channels], DataType.INT32, b.values);
        out.floatInitializer(`${biasName}/scale`, [channels], b.scales);
        out.rawInitializer(`${biasName}/zero_point`, [channels], DataType.INT32, new Int32Array(channels));
        emit(
          'DequantizeLinear',
          [`${biasName}/quantized`, `${biasName}/scale`, `${biasName}/zero_point`],
          biasName,
          axisAttribute(0),
        );
      }
    }
    emit(node.opType!, (node.input ?? []).map(read), output, attributes);
    if (!params.has(output)) continue;
    const p = params.get(output)!;
    emit('QuantizeLinear', [output, p.scaleName, p.zeroPointName], `${output}/quantized`);
    emit('DequantizeLinear', [`${output}/quantized`, p.scaleName, p.zeroPointName], `${output}/dequantized`);
    renamed.set(output, `${output}/dequantized`);
  }
  return out;
}
