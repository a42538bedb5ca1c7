/**
 * Reads an encoded pnet ONNX model back and summarises it: op counts, parameters, metadata and FLOPs.
 *
 * FLOPs are counted for one cloud of `num_points` points (metadata pnet.num_points, else 1024), batch 1, by
 * propagating concrete shapes through the graph:
 *   MatMul 2·K per output element (one multiply + one add per MAC), 1×1 Conv and Gemm the same plus one per
 *   output element for the bias; Add/Sub/Mul/Div/Max/Relu/Abs/Sqrt and QuantizeLinear/DequantizeLinear one per output element; ReduceMax/ReduceMean/ArgMax one per input element, ReduceSumSquare two; Softmax three per
 *   element (exp, sum, divide); Concat/Reshape/Transpose/Cast none (data movement).
 * FLOPs per point = FLOPs per cloud / points, so per-cloud work (T-Net dense layers, the seg head's global
 * term) is amortised over the cloud.
 */
import { onnx, type OnnxTypes } from './onnx-proto.ts';
import { PnetError } from '../../src/core/errors.ts';
import { METADATA_KEYS } from '../../src/core/contract.ts';
import type { OnnxDescription } from './export-types.ts';

export type { OnnxDescription } from './export-types.ts';

export function decodeOnnx(bytes: Uint8Array): OnnxTypes.ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new PnetError('BAD_MODEL', `not an ONNX model: ${(e as Error).message}`);
  }
}

const toNumber = (v: number | { toNumber(): number } | null | undefined): number =>
  v == null ? 0 : typeof v === 'number' ? v : v.toNumber();

function attr(node: OnnxTypes.INodeProto, name: string): OnnxTypes.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

export function intAttribute(node: OnnxTypes.INodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a ? toNumber(a.i) : fallback;
}

export function intsAttribute(node: OnnxTypes.INodeProto, name: string): number[] | undefined {
  const a = attr(node, name);
  return a?.ints?.map(toNumber);
}

/** Values of an int64 initializer (raw little-endian bytes or int64Data). */
export function int64Values(t: OnnxTypes.ITensorProto): number[] {
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData);
    return Array.from(new BigInt64Array(copy.buffer, 0, copy.length / 8), Number);
  }
  return (t.int64Data ?? []).map(toNumber);
}

function broadcast(a: number[], b: number[], op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new PnetError('BAD_MODEL', `${op}: cannot broadcast [${a}] with [${b}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** One node's output shape and FLOPs, from its input shapes (and, for Reshape, its constant shape input). */
function nodeShape(
  node: OnnxTypes.INodeProto,
  ins: number[][],
  initializers: Map<string, OnnxTypes.ITensorProto>,
): { out: number[]; cost: number } {
  const op = node.opType!;
  let out: number[];
  let cost = 0;
  switch (op) {
    case 'MatMul': {
      const [a, b] = ins as [number[], number[]];
      if (a.length < 2 || b.length < 2) throw new PnetError('BAD_MODEL', `MatMul ${node.name}: rank < 2 operand`);
      const k = a[a.length - 1]!;
      if (b[b.length - 2] !== k) throw new PnetError('BAD_MODEL', `MatMul ${node.name}: [${a}]·[${b}]`);
      out = [...broadcast(a.slice(0, -2), b.slice(0, -2), op), a[a.length - 2]!, b[b.length - 1]!];
      cost = 2 * k * size(out);
      break;
    }
    case 'Conv': {
      // Pointwise (kernel size 1) Conv over [B, C, N] with weight [M, C, 1]: a MatMul plus its bias.
      const [x, w] = ins as [number[], number[]];
      if (x.length !== 3 || w.length !== 3 || w[2] !== 1 || w[1] !== x[1]) {
        throw new PnetError(
          'BAD_MODEL',
          `Conv ${node.name}: only 1×1 Conv over [B, C, N] is described, got [${x}]*[${w}]`,
        );
      }
      out = [x[0]!, w[0]!, x[2]!];
      cost = 2 * w[1]! * size(out) + (ins.length > 2 ? size(out) : 0);
      break;
    }
    case 'Gemm': {
      const [a, stored] = ins as [number[], number[]];
      // int8 files store some Gemm weights as [O, I] (quantize-graph.ts says why).
      const w = intAttribute(node, 'transB', 0) === 1 ? [...stored].reverse() : stored;
      if (a.length !== 2 || w.length !== 2 || a[1] !== w[0])
        throw new PnetError('BAD_MODEL', `Gemm ${node.name}: [${a}]·[${w}]`);
      out = [a[0]!, w[1]!];
      cost = 2 * a[1]! * size(out) + (ins.length > 2 ? size(out) : 0);
      break;
    }
    case 'Transpose': {
      const perm = intsAttribute(node, 'perm') ?? ins[0]!.map((_, i) => ins[0]!.length - 1 - i);
      out = perm.map((p) => ins[0]![p]!);
      break;
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Max':
      out = broadcast(ins[0]!, ins[1]!, op);
      cost = size(out);
      break;
    case 'Relu':
    case 'Abs':
    case 'Sqrt':
      out = ins[0]!;
      cost = size(out);
      break;
    case 'Cast':
      out = ins[0]!;
      break;
    case 'QuantizeLinear':
    case 'DequantizeLinear':
      out = ins[0]!;
      cost = size(out);
      break;
    case 'Softmax':
      out = ins[0]!;
      cost = 3 * size(out);
      break;
    case 'ReduceMax':
    case 'ReduceMean':
    case 'ReduceSumSquare': {
      const x = ins[0]!;
      const axes = (intsAttribute(node, 'axes') ?? x.map((_, i) => i)).map((a) => norm(a, x.length));
      const keep = intAttribute(node, 'keepdims', 1) === 1;
      out = x.flatMap((d, i) => (axes.includes(i) ? (keep ? [1] : []) : [d]));
      cost = (op === 'ReduceSumSquare' ? 2 : 1) * size(x);
      break;
    }
    case 'ArgMax': {
      const x = ins[0]!;
      const axis = norm(intAttribute(node, 'axis', 0), x.length);
      const keep = intAttribute(node, 'keepdims', 1) === 1;
      out = x.flatMap((d, i) => (i === axis ? (keep ? [1] : []) : [d]));
      cost = size(x);
      break;
    }
    case 'Concat': {
      const axis = norm(intAttribute(node, 'axis', 0), ins[0]!.length);
      out = [...ins[0]!];
      out[axis] = ins.reduce((s, x) => s + x[axis]!, 0);
      break;
    }
    case 'Reshape': {
      const target = initializers.get(node.input![1]!);
      if (!target) throw new PnetError('BAD_MODEL', `Reshape ${node.name}: shape is not a constant`);
      const x = ins[0]!;
      const wanted = int64Values(target).map((d, i) => (d === 0 ? x[i]! : d));
      const known = wanted.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
      out = wanted.map((d) => (d === -1 ? size(x) / known : d));
      break;
    }
    default:
      throw new PnetError('BAD_MODEL', `cannot describe op ${op} (node ${node.name})`);
  }
  return { out, cost };
}

/**
 * Concrete output shapes of every value, for the ops pnet exports, with the graph input bound to
 * [batch, numPoints, 3]. Also returns the FLOPs of each node (see the module comment).
 */
export function inferShapes(
  model: OnnxTypes.IModelProto,
  batch: number,
  numPoints: number,
): { shapes: Map<string, number[]>; flops: Map<string, number> } {
  const graph = model.graph!;
  const shapes = new Map<string, number[]>();
  const flops = new Map<string, number>();
  const initializers = new Map<string, OnnxTypes.ITensorProto>();
  for (const t of graph.initializer ?? []) {
    initializers.set(t.name!, t);
    shapes.set(t.name!, (t.dims ?? []).map(toNumber));
  }
  for (const input of graph.input ?? []) {
    if (initializers.has(input.name!)) continue;
    const dims = input.type?.tensorType?.shape?.dim ?? [];
    shapes.set(
      input.name!,
      dims.map((d) => (d.dimParam === 'batch' ? batch : d.dimParam ? numPoints : toNumber(d.dimValue))),
    );
  }
  for (const node of graph.node ?? []) {
    const ins = (node.input ?? []).map((name) => {
      const s = shapes.get(name);
      if (!s) throw new PnetError('BAD_MODEL', `node ${node.name}: input "${name}" has no known shape`);
      return s;
    });
    const { out, cost } = nodeShape(node, ins, initializers);
    for (const o of node.output ?? []) shapes.set(o, out);
    flops.set(node.name ?? node.output![0]!, cost);
  }
  return { shapes, flops };
}

export function describeOnnx(bytes: Uint8Array): OnnxDescription {
  const model = decodeOnnx(bytes);
  const graph = model.graph;
  if (!graph) throw new PnetError('BAD_MODEL', 'ONNX model has no graph');
  const opCounts: Record<string, number> = {};
  for (const n of graph.node ?? []) opCounts[n.opType!] = (opCounts[n.opType!] ?? 0) + 1;
  const metadata = Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key!, p.value ?? '']));
  const trained = Number(metadata[METADATA_KEYS.numPoints]);
  const flopsPoints = Number.isInteger(trained) && trained > 0 ? trained : 1024;
  const { flops } = inferShapes(model, 1, flopsPoints);
  const flopsPerCloud = [...flops.values()].reduce((a, b) => a + b, 0);
  return {
    bytes: bytes.length,
    irVersion: toNumber(model.irVersion),
    opset: toNumber(model.opsetImport?.find((o) => !o.domain)?.version),
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
    opCounts: Object.fromEntries(
      Object.keys(opCounts)
        .sort()
        .map((k) => [k, opCounts[k]!]),
    ),
    nodeCount: graph.node?.length ?? 0,
    initializerElements: (graph.initializer ?? []).reduce((n, t) => n + size((t.dims ?? []).map(toNumber)), 0),
    metadata,
    flopsPoints,
    flopsPerCloud,
    flopsPerPoint: flopsPerCloud / flopsPoints,
  };
}
