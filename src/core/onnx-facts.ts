/**
 * Reads the top-level facts of an ONNX file (producer, metadata_props) straight from the protobuf bytes, without
 * decoding the graph: fast even for large models, and free of dependencies so browsers can use it too.
 */

export interface OnnxFileFacts {
  producerName: string;
  irVersion: number;
  /** `metadata_props` as key → value. */
  metadata: Record<string, string>;
}

/** One graph input or output: its name, ONNX element type and dims (a symbolic dim has `param`, a fixed one `value`). */
export interface OnnxValueFacts {
  name: string;
  elemType: number;
  dims: Array<{ param?: string; value?: number }>;
}

export interface OnnxGraphSignature {
  inputs: OnnxValueFacts[];
  outputs: OnnxValueFacts[];
}

/** onnx.TensorProto.DataType values the contract uses. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

// Field numbers of onnx.ModelProto and onnx.StringStringEntryProto (onnx/onnx.proto3).
const MODEL_IR_VERSION = 1;
const MODEL_PRODUCER_NAME = 2;
const MODEL_GRAPH = 7;
const MODEL_METADATA_PROPS = 14;
// GraphProto.input/output, ValueInfoProto.name/type, TypeProto.tensor_type, its elem_type/shape,
// TensorShapeProto.dim, and Dimension.dim_value/dim_param.
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const VALUE_NAME = 1;
const VALUE_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_ELEM_TYPE = 1;
const TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const DIM_PARAM = 2;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

class ProtoReader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Varints up to 2^53 (lengths and small ints); plain arithmetic so values above 2^31 stay correct. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.bytes[this.pos++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new Error('malformed varint');
  }

  /** Returns [start, end) of a length-delimited field and moves past it. */
  span(): [number, number] {
    const length = this.varint();
    const start = this.pos;
    if (start + length > this.end) throw new Error('length-delimited field runs past the end');
    this.pos = start + length;
    return [start, this.pos];
  }

  skip(wireType: number): void {
    if (wireType === WIRE_VARINT) this.varint();
    else if (wireType === WIRE_FIXED64) this.advance(8);
    else if (wireType === WIRE_BYTES) this.span();
    else if (wireType === WIRE_FIXED32) this.advance(4);
    else throw new Error(`unsupported wire type ${wireType}`);
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new Error('truncated fixed-size field');
    this.pos += n;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readEntry(bytes: Uint8Array, start: number, end: number): [string, string] {
  const r = new ProtoReader(bytes, start, end);
  let key = '';
  let value = '';
  while (!r.done) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if ((field === ENTRY_KEY || field === ENTRY_VALUE) && wire === WIRE_BYTES) {
      const [s, e] = r.span();
      const text = utf8.decode(bytes.subarray(s, e));
      if (field === ENTRY_KEY) key = text;
      else value = text;
    } else r.skip(wire);
  }
  return [key, value];
}

/**
 * Throws a plain Error when the bytes are not a well-formed ModelProto; callers wrap it with the file name.
 * An empty buffer decodes as an empty message in protobuf, so it is rejected here explicitly.
 */
export function readOnnxFacts(bytes: Uint8Array): OnnxFileFacts {
  if (bytes.length === 0) throw new Error('the file is empty');
  const r = new ProtoReader(bytes, 0, bytes.length);
  const facts: OnnxFileFacts = { producerName: '', irVersion: 0, metadata: {} };
  let sawGraphOrVersion = false;
  while (!r.done) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) throw new Error('field number 0 is invalid');
    if (field === MODEL_IR_VERSION && wire === WIRE_VARINT) {
      facts.irVersion = r.varint();
      sawGraphOrVersion = true;
    } else if (field === MODEL_PRODUCER_NAME && wire === WIRE_BYTES) {
      const [s, e] = r.span();
      facts.producerName = utf8.decode(bytes.subarray(s, e));
    } else if (field === MODEL_METADATA_PROPS && wire === WIRE_BYTES) {
      const [s, e] = r.span();
      const [key, value] = readEntry(bytes, s, e);
      facts.metadata[key] = value;
    } else {
      if (field === MODEL_GRAPH) sawGraphOrVersion = true;
      r.skip(wire);
    }
  }
  if (!sawGraphOrVersion) throw new Error('no ir_version and no graph: not an ONNX model');
  return facts;
}

/** The length-delimited fields `field` of the message in [start, end), as spans. */
function fieldSpans(bytes: Uint8Array, start: number, end: number, field: number): Array<[number, number]> {
  const r = new ProtoReader(bytes, start, end);
  const spans: Array<[number, number]> = [];
  while (!r.done) {
    const tag = r.varint();
    const wire = tag & 7;
    if (Math.floor(tag / 8) === field && wire === WIRE_BYTES) spans.push(r.span());
    else r.skip(wire);
  }
  return spans;
}

/** The varint field `field` of the message in [start, end), or undefined. */
function varintField(bytes: Uint8Array, start: number, end: number, field: number): number | undefined {
  const r = new ProtoReader(bytes, start, end);
  let value: number | undefined;
  while (!r.done) {
    const tag = r.varint();
    const wire = tag & 7;
    if (Math.floor(tag / 8) === field && wire === WIRE_VARINT) value = r.varint();
    else r.skip(wire);
  }
  return value;
}

function valueFacts(bytes: Uint8Array, [start, end]: [number, number]): OnnxValueFacts {
  const text = (span: [number, number] | undefined) => (span ? utf8.decode(bytes.subarray(span[0], span[1])) : '');
  const name = text(fieldSpans(bytes, start, end, VALUE_NAME)[0]);
  const type = fieldSpans(bytes, start, end, VALUE_TYPE)[0];
  const tensor = type && fieldSpans(bytes, type[0], type[1], TYPE_TENSOR)[0];
  if (!tensor) return { name, elemType: 0, dims: [] };
  const elemType = varintField(bytes, tensor[0], tensor[1], TENSOR_ELEM_TYPE) ?? 0;
  const shape = fieldSpans(bytes, tensor[0], tensor[1], TENSOR_SHAPE)[0];
  const dims = (shape ? fieldSpans(bytes, shape[0], shape[1], SHAPE_DIM) : []).map(([s, e]) => {
    const param = fieldSpans(bytes, s, e, DIM_PARAM)[0];
    const value = varintField(bytes, s, e, DIM_VALUE);
    return param ? { param: text(param) } : value !== undefined ? { value } : {};
  });
  return { name, elemType, dims };
}

/**
 * The graph's inputs and outputs (names, element types, dims) without decoding its nodes or weights, for what
 * needs the signature alone (the Triton config). Throws a plain Error on malformed bytes or a model with no graph.
 */
export function readOnnxGraphSignature(bytes: Uint8Array): OnnxGraphSignature {
  if (bytes.length === 0) throw new Error('the file is empty');
  const graph = fieldSpans(bytes, 0, bytes.length, MODEL_GRAPH)[0];
  if (!graph) throw new Error('ONNX model has no graph');
  return {
    inputs: fieldSpans(bytes, graph[0], graph[1], GRAPH_INPUT).map((span) => valueFacts(bytes, span)),
    outputs: fieldSpans(bytes, graph[0], graph[1], GRAPH_OUTPUT).map((span) => valueFacts(bytes, span)),
  };
}
