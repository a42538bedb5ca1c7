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

// Field numbers of onnx.ModelProto and onnx.StringStringEntryProto (onnx/onnx.proto3).
const MODEL_IR_VERSION = 1;
const MODEL_PRODUCER_NAME = 2;
const MODEL_METADATA_PROPS = 14;
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
      if (field === 7) sawGraphOrVersion = true;
      r.skip(wire);
    }
  }
  if (!sawGraphOrVersion) throw new Error('no ir_version and no graph: not an ONNX model');
  return facts;
}
