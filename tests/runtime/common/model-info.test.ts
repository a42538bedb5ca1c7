import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { readOnnxFacts } from '../../../src/core/onnx-facts.ts';
import { readModelInfo, readModelInfoFromOnnx, PNET_METADATA_KEYS } from '../../../src/core/contract.ts';
import { PnetError } from '../../../src/core/errors.ts';
import { foreignModel, linearPnetModel, pnetMetadata } from '../node/onnx-fixtures.ts';
import {
  TINY_CLASSES,
  TINY_COLORS,
  TINY_METRICS,
  TINY_NUM_POINTS,
  TINY_SHA256,
  tinyOnnxBytes,
} from '../../helpers/tiny-model.ts';

const { onnx } = onnxProto;
const CLASSES = ['a', 'b', 'c'];
const COLORS = ['#ff0000', '#00FF00', '#0000ff'];
const W = new Float32Array(9);

function expectPnetError(fn: () => unknown, code: string, pattern: RegExp, file?: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PnetError);
    expect((e as PnetError).code).toBe(code);
    expect((e as PnetError).message).toMatch(pattern);
    if (file) expect((e as PnetError).file).toBe(file);
    return;
  }
  throw new Error('expected a PnetError');
}

describe('readOnnxFacts', () => {
  it('reads producer and metadata_props the same way the protobuf decoder does', () => {
    const bytes = tinyOnnxBytes();
    const facts = readOnnxFacts(bytes);
    const decoded = onnx.ModelProto.decode(bytes);
    expect(facts.producerName).toBe(decoded.producerName);
    expect(facts.irVersion).toBe(Number(decoded.irVersion));
    expect(facts.metadata).toEqual(Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value])));
    expect(Object.keys(facts.metadata)).toEqual(expect.arrayContaining([...PNET_METADATA_KEYS]));
  });

  it('rejects bytes that are not a ModelProto', () => {
    expect(() => readOnnxFacts(new Uint8Array())).toThrow(/empty/);
    expect(() => readOnnxFacts(new TextEncoder().encode('1 2 3\n4 5 6\n'))).toThrow();
    const model = linearPnetModel({ weights: W, classes: CLASSES, colors: COLORS });
    expect(() => readOnnxFacts(model.subarray(0, model.length - 5))).toThrow(/past the end|truncated/);
  });
});

describe('readModelInfo', () => {
  it('parses the contract of a model written by the exporter', () => {
    const info = readModelInfoFromOnnx(tinyOnnxBytes(), 'tiny.onnx');
    expect(info.classes).toEqual(TINY_CLASSES);
    expect(info.colors).toEqual(TINY_COLORS);
    expect(info.category).toEqual(['Airplane']);
    expect(info.numPoints).toBe(TINY_NUM_POINTS);
    expect(info.normalization).toBe('unit-sphere');
    expect(info.metrics).toEqual(TINY_METRICS);
    expect(info.checkpointSha256).toBe(TINY_SHA256);
    expect(info.precision).toBe('float32');
    expect(readModelInfoFromOnnx(tinyOnnxBytes({}, { fp16: true })).precision).toBe('float16');
  });

  it('reads a file without pnet.precision (written before it existed) as float32', () => {
    const meta = pnetMetadata(CLASSES, COLORS);
    delete meta['pnet.precision'];
    expect(readModelInfo(meta).precision).toBe('float32');
    expect(readModelInfo({ ...meta, 'pnet.precision': 'int8' }).precision).toBe('int8');
  });

  it('lower-cases colours and keeps class order', () => {
    const info = readModelInfo(pnetMetadata(CLASSES, COLORS));
    expect(info.classes).toEqual(CLASSES);
    expect(info.colors).toEqual(['#ff0000', '#00ff00', '#0000ff']);
  });

  it('says "not a pnet model" for a model without pnet metadata, naming the file', () => {
    expectPnetError(
      () => readModelInfoFromOnnx(foreignModel(), 'relu.onnx'),
      'BAD_MODEL',
      /not a pnet model/,
      'relu.onnx',
    );
  });

  it('names the missing keys of incomplete metadata', () => {
    const meta = pnetMetadata(CLASSES, COLORS);
    delete meta['pnet.colors'];
    delete meta['pnet.num_points'];
    expectPnetError(
      () => readModelInfo(meta, 'm.onnx'),
      'BAD_MODEL',
      /missing pnet\.colors, pnet\.num_points/,
      'm.onnx',
    );
  });

  it('rejects malformed values', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['pnet.classes', '["a"', /not valid JSON/],
      ['pnet.classes', '["a"]', /at least 2/],
      ['pnet.colors', '["#ff0000","#00ff00"]', /2 colours for 3 classes/],
      ['pnet.colors', '["red","#00ff00","#0000ff"]', /"red" is not a #rrggbb/],
      ['pnet.num_points', '-4', /positive integer/],
      ['pnet.normalization', 'zscore', /unit-sphere/],
      ['pnet.metrics', '[1]', /JSON object/],
      ['pnet.precision', 'int4', /pnet\.precision must be one of float32, float16, int8, got "int4"/],
    ];
    for (const [key, value, pattern] of cases) {
      expectPnetError(
        () => readModelInfo({ ...pnetMetadata(CLASSES, COLORS), [key]: value }, 'm.onnx'),
        'BAD_MODEL',
        pattern,
      );
    }
  });

  it('wraps unreadable bytes as BAD_MODEL with the file', () => {
    expectPnetError(
      () => readModelInfoFromOnnx(new TextEncoder().encode('hello'), 'x.onnx'),
      'BAD_MODEL',
      /not a readable ONNX model/,
      'x.onnx',
    );
  });
});
