/**
 * Accumulates ONNX nodes and initializers in insertion order, so the same calls always produce the same
 * graph (and, once encoded, the same bytes). Value names are checked for uniqueness as they are made.
 */
import { onnx, type OnnxTypes } from './onnx-proto.ts';
import { toFloat16Array } from './float16.ts';

export type FloatPrecision = 'float32' | 'float16';

/** Integer attributes only: every attribute this exporter writes (axis, axes, keepdims, to) is an int or ints. */
export type IntAttributes = Record<string, number | number[]>;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function bytesOf(view: ArrayBufferView): Uint8Array {
  if (!LITTLE_ENDIAN) throw new Error('ONNX raw tensor data is little-endian; big-endian hosts are not supported');
  // Copy so the proto owns its bytes and later edits to the source array cannot change the model.
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

export class OnnxGraphBuilder {
  readonly nodes: OnnxTypes.INodeProto[] = [];
  readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly names = new Set<string>();

  /** `precision` is the element type of float weights (and so of the compute that uses them). */
  constructor(readonly precision: FloatPrecision) {}

  /** Declares a value name (graph input or node output); names must be unique in the graph. */
  claim(name: string): string {
    if (this.names.has(name)) throw new Error(`duplicate ONNX value name "${name}"`);
    this.names.add(name);
    return name;
  }

  claimed(name: string): boolean {
    return this.names.has(name);
  }

  /**
   * A float weight as little-endian raw bytes, in the builder's precision unless `precision` says otherwise
   * (constants of the float32 preprocessing stay float32 in an fp16 model).
   */
  floatInitializer(name: string, dims: number[], data: Float32Array, precision = this.precision): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) throw new Error(`initializer ${name}: ${data.length} values for shape [${dims}]`);
    const half = precision === 'float16';
    this.initializers.push({
      name: this.claim(name),
      dims,
      dataType: half ? onnx.TensorProto.DataType.FLOAT16 : onnx.TensorProto.DataType.FLOAT,
      rawData: half ? bytesOf(toFloat16Array(data)) : bytesOf(data),
    });
    return name;
  }

  /** A tensor of any element type from a typed array already in that type (int8 weights, int32 biases, scales). */
  rawInitializer(name: string, dims: number[], dataType: number, data: ArrayBufferView): string {
    this.initializers.push({ name: this.claim(name), dims, dataType, rawData: bytesOf(data) });
    return name;
  }

  int64Initializer(name: string, values: number[]): string {
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({
      name: this.claim(name),
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: bytesOf(data),
    });
    return name;
  }

  /** Adds one node with a single output named `output` (also used as the node name) and returns that name. */
  node(opType: string, inputs: string[], output: string, attributes: IntAttributes = {}): string {
    for (const input of inputs) {
      if (!this.names.has(input)) throw new Error(`node ${output} (${opType}) reads undefined value "${input}"`);
    }
    const attribute: OnnxTypes.IAttributeProto[] = Object.entries(attributes).map(([name, value]) =>
      Array.isArray(value)
        ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value }
        : { name, type: onnx.AttributeProto.AttributeType.INT, i: value },
    );
    this.nodes.push({ name: output, opType, domain: '', input: inputs, output: [this.claim(output)], attribute });
    return output;
  }
}
