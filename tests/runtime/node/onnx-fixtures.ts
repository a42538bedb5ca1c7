/**
 * Small ONNX models built in code for runtime tests: a stand-in that honours the pnet I/O contract (a per-point
 * linear classifier, so the expected labels can be computed by hand) and a graph with no pnet metadata.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export interface LinearModelOptions {
  /** [3, classes] row-major: class scores = xyz · weights. */
  weights: Float32Array;
  classes: string[];
  colors: string[];
  /** Metadata entries to drop or override (undefined drops the key). */
  metadata?: Record<string, string | undefined>;
  /** Name of the probabilities output (a wrong name makes a model that breaks the I/O contract). */
  probabilitiesName?: string;
  /** Cast the probabilities to float16 (a foreign model that breaks the contract's element types). */
  float16Probabilities?: boolean;
  /**
   * Clouds of more points make ONNX Runtime fail inside `run` (as running out of memory does): the graph asks for a
   * buffer of (points - this) × 1e15 floats, beyond any address space, so nothing is ever really allocated.
   */
  failAbovePoints?: number;
  /** Name of the node that fails (ONNX Runtime quotes it in its message). */
  failingNodeName?: string;
}

function floatTensor(name: string, dims: number[], data: Float32Array) {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
}

function valueInfo(name: string, elemType: number, dims: Array<number | string>) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function pnetMetadata(classes: string[], colors: string[]): Record<string, string> {
  return {
    'pnet.category': JSON.stringify(['Fixture']),
    'pnet.classes': JSON.stringify(classes),
    'pnet.colors': JSON.stringify(colors),
    'pnet.preset': 'fixture',
    'pnet.num_points': '64',
    'pnet.normalization': 'none',
    'pnet.metrics': JSON.stringify({ val_miou: 0.5 }),
    'pnet.version': '0.1.0',
    'pnet.checkpoint_sha256': '0'.repeat(64),
  };
}

/** points [B,N,3] → probabilities = softmax(points·W) [B,N,C], labels = argmax [B,N] int64. */
export function linearPnetModel(options: LinearModelOptions): Uint8Array {
  const c = options.classes.length;
  const probs = options.probabilitiesName ?? 'probabilities';
  const F = onnx.TensorProto.DataType.FLOAT;
  const meta: Record<string, string | undefined> = {
    ...pnetMetadata(options.classes, options.colors),
    ...options.metadata,
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'pnet',
    opsetImport: [{ domain: '', version: 17 }],
    metadataProps: Object.entries(meta)
      .filter(([, v]) => v !== undefined)
      .map(([key, value]) => ({ key, value })),
    graph: {
      name: 'linear',
      input: [valueInfo('points', F, ['batch', 'num_points', 3])],
      output: [
        valueInfo(probs, options.float16Probabilities ? onnx.TensorProto.DataType.FLOAT16 : F, [
          'batch',
          'num_points',
          c,
        ]),
        valueInfo('labels', onnx.TensorProto.DataType.INT64, ['batch', 'num_points']),
      ],
      initializer: [
        floatTensor('W', [3, c], options.weights),
        ...(options.failAbovePoints === undefined ? [] : hugeBufferInitializers(options.failAbovePoints)),
      ],
      node: [
        {
          opType: 'MatMul',
          input: ['points', 'W'],
          output: [options.failAbovePoints === undefined ? 'scores' : 'linear_scores'],
          name: 'scores',
        },
        ...(options.failAbovePoints === undefined ? [] : hugeBufferNodes(options.failingNodeName ?? 'huge')),
        {
          opType: 'Softmax',
          input: ['scores'],
          output: [options.float16Probabilities ? 'probabilities32' : probs],
          name: 'softmax',
          attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }],
        },
        ...(options.float16Probabilities
          ? [
              {
                opType: 'Cast',
                input: ['probabilities32'],
                output: [probs],
                name: 'to_float16',
                attribute: [
                  { name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT16 },
                ],
              },
            ]
          : []),
        {
          opType: 'ArgMax',
          input: ['scores'],
          output: ['labels'],
          name: 'argmax',
          attribute: [
            { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 },
            { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
          ],
        },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function int64Tensor(name: string, values: number[]) {
  return {
    name,
    dims: [values.length],
    dataType: onnx.TensorProto.DataType.INT64,
    rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
  };
}

function hugeBufferInitializers(limit: number) {
  return [
    int64Tensor('point_axis', [1]),
    int64Tensor('limit', [limit]),
    int64Tensor('no_excess', [0]),
    int64Tensor('per_point', [1e15]),
  ];
}

/** scores = linear_scores + sum(zeros[max(0, points - limit) × 1e15]): zero, unless the buffer cannot be had. */
function hugeBufferNodes(failingNodeName: string) {
  return [
    { opType: 'Shape', input: ['points'], output: ['shape'], name: 'shape' },
    { opType: 'Gather', input: ['shape', 'point_axis'], output: ['n'], name: 'n' },
    { opType: 'Sub', input: ['n', 'limit'], output: ['excess'], name: 'excess' },
    { opType: 'Max', input: ['excess', 'no_excess'], output: ['excess_pos'], name: 'excess_pos' },
    { opType: 'Mul', input: ['excess_pos', 'per_point'], output: ['huge_shape'], name: 'huge_shape' },
    { opType: 'ConstantOfShape', input: ['huge_shape'], output: ['huge'], name: failingNodeName },
    { opType: 'ReduceSum', input: ['huge'], output: ['zero'], name: 'zero' },
    { opType: 'Add', input: ['linear_scores', 'zero'], output: ['scores'], name: 'scores_plus_zero' },
  ];
}

/** A valid ONNX model (y = Relu(x)) with no pnet metadata: "not a pnet model". */
export function foreignModel(): Uint8Array {
  const F = onnx.TensorProto.DataType.FLOAT;
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'someone-else',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'relu',
      input: [valueInfo('x', F, ['n'])],
      output: [valueInfo('y', F, ['n'])],
      node: [{ opType: 'Relu', input: ['x'], output: ['y'], name: 'relu' }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
