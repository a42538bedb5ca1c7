/** The exported graph's structure: ops, attributes, shapes, initializers, metadata, determinism. */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { onnx, type OnnxTypes } from '../../../exporters/onnx/onnx-proto.ts';
import {
  buildOnnxModel,
  decodeOnnx,
  describeOnnx,
  GRAPH_LAYOUTS,
  inferShapes,
  type GraphLayout,
} from '../../../exporters/onnx/index.ts';
import { METADATA_KEYS } from '../../../src/core/contract.ts';
import { countParams, type ModelArchitecture } from '../../../src/model/spec.ts';
import { loadPreset } from '../../../src/model/preset-files.ts';
import { PNET_VERSION } from '../../../src/core/version.ts';
import { isPnetError } from '../../../src/core/errors.ts';
import { SYNTH_CLASSES, tinyModel } from '../../helpers/tiny-model.ts';

const SHA = 'ab'.repeat(32);
const { FLOAT, FLOAT16, INT64 } = onnx.TensorProto.DataType;
const { FLOAT: FLOAT_ATTR, INT, INTS } = onnx.AttributeProto.AttributeType;

interface OpRule {
  /** Latest version of the op at or below opset 17 (ONNX operator changelog). */
  since: number;
  inputs: [number, number];
  attributes: Record<string, number>;
  required?: string[];
}

/** The ONNX operator spec for each op the exporter may emit, as of opset 17. */
const OPSET17: Record<string, OpRule> = {
  MatMul: { since: 13, inputs: [2, 2], attributes: {} },
  Conv: {
    since: 11,
    inputs: [2, 3],
    attributes: { kernel_shape: INTS, strides: INTS, pads: INTS, dilations: INTS, group: INT },
  },
  Gemm: { since: 13, inputs: [2, 3], attributes: { alpha: FLOAT_ATTR, beta: FLOAT_ATTR, transA: INT, transB: INT } },
  Transpose: { since: 13, inputs: [1, 1], attributes: { perm: INTS }, required: ['perm'] },
  Abs: { since: 13, inputs: [1, 1], attributes: {} },
  Add: { since: 14, inputs: [2, 2], attributes: {} },
  Sub: { since: 14, inputs: [2, 2], attributes: {} },
  Div: { since: 14, inputs: [2, 2], attributes: {} },
  Max: { since: 13, inputs: [1, Infinity], attributes: {} },
  Relu: { since: 14, inputs: [1, 1], attributes: {} },
  Sqrt: { since: 13, inputs: [1, 1], attributes: {} },
  // Reduce*: `axes` is an attribute up to opset 17 (an input from 18 on).
  ReduceMax: { since: 13, inputs: [1, 1], attributes: { axes: INTS, keepdims: INT } },
  ReduceMean: { since: 13, inputs: [1, 1], attributes: { axes: INTS, keepdims: INT } },
  ReduceSumSquare: { since: 13, inputs: [1, 1], attributes: { axes: INTS, keepdims: INT } },
  ArgMax: { since: 13, inputs: [1, 1], attributes: { axis: INT, keepdims: INT, select_last_index: INT } },
  Softmax: { since: 13, inputs: [1, 1], attributes: { axis: INT } },
  Concat: { since: 13, inputs: [1, Infinity], attributes: { axis: INT }, required: ['axis'] },
  Reshape: { since: 14, inputs: [2, 2], attributes: { allowzero: INT } },
  Cast: { since: 13, inputs: [1, 1], attributes: { to: INT }, required: ['to'] },
};

const int = (v: unknown) => Number(v);

function checkAgainstSpec(model: OnnxTypes.ModelProto, shapes: Map<string, number[]>): void {
  const initializers = new Map(model.graph!.initializer!.map((t) => [t.name!, t]));
  for (const node of model.graph!.node!) {
    const rule = OPSET17[node.opType!];
    expect(rule, `op ${node.opType} is not in the opset-17 table`).toBeDefined();
    expect(node.domain ?? '').toBe('');
    const [min, max] = rule!.inputs;
    expect(node.input!.length).toBeGreaterThanOrEqual(min);
    expect(node.input!.length).toBeLessThanOrEqual(max);
    expect(node.output).toHaveLength(1);
    for (const a of node.attribute!) {
      expect(rule!.attributes[a.name!], `${node.opType} has no attribute ${a.name}`).toBe(a.type);
    }
    for (const name of rule!.required ?? []) expect(node.attribute!.some((a) => a.name === name)).toBe(true);
    const ranks = node.input!.map((i) => shapes.get(i)!.length);
    const attr = (name: string) => node.attribute!.find((a) => a.name === name);
    switch (node.opType) {
      case 'MatMul':
        expect(Math.min(...ranks)).toBeGreaterThanOrEqual(2);
        break;
      case 'Conv':
        // Pointwise only: [B, C, N] input, [M, C, 1] weight.
        expect(ranks.slice(0, 2)).toEqual([3, 3]);
        expect(attr('kernel_shape')!.ints!.map(int)).toEqual([1]);
        break;
      case 'Gemm':
        expect(ranks.slice(0, 2)).toEqual([2, 2]);
        break;
      case 'Transpose':
        expect([...attr('perm')!.ints!.map(int)].sort()).toEqual([...Array(ranks[0]!).keys()]);
        break;
      case 'ReduceMax':
      case 'ReduceMean':
      case 'ReduceSumSquare':
        for (const axis of attr('axes')!.ints!.map(int)) {
          expect(axis).toBeGreaterThanOrEqual(-ranks[0]!);
          expect(axis).toBeLessThan(ranks[0]!);
        }
        expect([0, 1]).toContain(int(attr('keepdims')!.i));
        break;
      case 'ArgMax':
      case 'Softmax':
      case 'Concat': {
        const axis = int(attr('axis')!.i);
        expect(axis).toBeGreaterThanOrEqual(-ranks[0]!);
        expect(axis).toBeLessThan(ranks[0]!);
        if (node.opType === 'Concat') expect(new Set(ranks).size).toBe(1);
        break;
      }
      case 'Reshape': {
        const target = initializers.get(node.input![1]!);
        expect(target?.dataType).toBe(INT64);
        expect(target?.dims?.map(int)).toHaveLength(1);
        break;
      }
      case 'Cast':
        expect([FLOAT, FLOAT16]).toContain(int(attr('to')!.i));
        break;
    }
  }
}

/** Initializer name → shape the layout implies (folded blocks: weight+bias; seg/conv1 split by rows). */
function expectedInitializers(
  architecture: ModelArchitecture,
  normalize: boolean,
  graphLayout: GraphLayout,
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const first = graphLayout === 'channels-first';
  if (normalize) {
    out.set('normalize/min_extent', []);
    out.set('normalize/min_radius', []);
  }
  // Pointwise layers are Conv weights [outputs, inputs, 1] channel-first; per-cloud layers are [inputs, outputs].
  const block = (prefix: string, inputs: number, outputs: number, pointwise: boolean) => {
    out.set(`${prefix}/weight`, first && pointwise ? [outputs, inputs, 1] : [inputs, outputs]);
    out.set(`${prefix}/bias`, [outputs]);
  };
  for (const t of [architecture.inputTnet, architecture.featureTnet]) {
    for (const b of t.conv) block(b.prefix, b.inputs, b.outputs, true);
    for (const b of t.dense) block(b.prefix, b.inputs, b.outputs, false);
    block(t.finalPrefix, t.finalInputs, t.k * t.k, false);
    out.set(`${t.prefix}/matrix_shape`, [3]);
  }
  for (const b of [...architecture.features, ...architecture.features2]) block(b.prefix, b.inputs, b.outputs, true);
  const global = architecture.concatWidths[architecture.concatWidths.length - 1]!;
  const h = architecture.segHidden.outputs;
  const local = architecture.segHidden.inputs - global;
  if (first) {
    out.set('seg/conv1/weight_local', [h, local, 1]);
    block('seg/conv1/global', global, h, false);
    out.set('seg/conv1/global_column_shape', [3]);
  } else {
    out.set('seg/conv1/weight_local', [local, h]);
    out.set('seg/conv1/weight_global', [global, h]);
    out.set('seg/conv1/bias', [h]);
  }
  block(architecture.headPrefix, h, architecture.numClasses, true);
  return out;
}

/** Initializer elements beyond the folded weights: reshape shapes and the normalisation floors. */
function extraElements(graphLayout: GraphLayout): number {
  return 2 * 3 + 2 + (graphLayout === 'channels-first' ? 3 : 0);
}

function blockOutputs(architecture: ModelArchitecture): number {
  return [
    ...architecture.inputTnet.conv,
    ...architecture.inputTnet.dense,
    ...architecture.features,
    ...architecture.featureTnet.conv,
    ...architecture.featureTnet.dense,
    ...architecture.features2,
    architecture.segHidden,
  ].reduce((n, b) => n + b.outputs, 0);
}

const dims = (v: OnnxTypes.IValueInfoProto) =>
  v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || int(d.dimValue));

for (const graphLayout of GRAPH_LAYOUTS)
  describe(`exported graph structure (small preset, ${graphLayout})`, () => {
    const m = tinyModel({ seed: 3, classes: SYNTH_CLASSES, weights: 'perturbed' });
    const first = graphLayout === 'channels-first';
    const bytes = buildOnnxModel({ ...m, checkpointSha256: SHA }, { layout: graphLayout });
    const model = decodeOnnx(bytes);
    /** [B, N, C] or [B, C, N], as this layout stores per-point activations. */
    const perPoint = (b: number, n: number, c: number) => (first ? [b, c, n] : [b, n, c]);

    it('is IR 8, default-domain opset 17, produced by pnet, with documented input and outputs', () => {
      expect(int(model.irVersion)).toBe(8);
      expect(model.opsetImport!.map((o) => [o.domain ?? '', int(o.version)])).toEqual([['', 17]]);
      expect(model.producerName).toBe('pnet');
      expect(model.producerVersion).toBe(PNET_VERSION);
      expect(model.docString).toContain('PointNet');
      const g = model.graph!;
      expect(g.input!.map((i) => i.name)).toEqual(['points']);
      expect(g.output!.map((o) => o.name)).toEqual(['probabilities', 'labels']);
      expect(dims(g.input![0]!)).toEqual(['batch', 'num_points', 3]);
      expect(dims(g.output![0]!)).toEqual(['batch', 'num_points', SYNTH_CLASSES.names.length]);
      expect(dims(g.output![1]!)).toEqual(['batch', 'num_points']);
      expect(g.input![0]!.type!.tensorType!.elemType).toBe(FLOAT);
      expect(g.output![0]!.type!.tensorType!.elemType).toBe(FLOAT);
      expect(g.output![1]!.type!.tensorType!.elemType).toBe(INT64);
      for (const v of [...g.input!, ...g.output!]) expect(v.docString!.length).toBeGreaterThan(20);
    });

    it('follows the opset-17 operator spec for every node (ops, attributes, input counts and ranks)', () => {
      checkAgainstSpec(model, inferShapes(model, 2, 777).shapes);
      expect(model.graph!.node!.some((n) => n.opType === 'BatchNormalization')).toBe(false);
    });

    it('reduces over the points along the contiguous last axis, with transposes only at the boundary (channel-first)', () => {
      if (!first) return;
      const { shapes } = inferShapes(model, 2, 777);
      const overPoints = model.graph!.node!.filter(
        (n) => n.opType === 'ReduceMax' && n.input!.some((i) => shapes.get(i)!.includes(777)),
      );
      expect(overPoints.length).toBeGreaterThanOrEqual(4);
      for (const n of overPoints) {
        const rank = shapes.get(n.input![0]!)!.length;
        const axes = n.attribute!.find((a) => a.name === 'axes')!.ints!.map(int);
        expect(axes, n.name!).toContain(rank - 1);
      }
      const transposes = model.graph!.node!.filter((n) => n.opType === 'Transpose');
      expect(transposes.map((t) => t.input![0])).toEqual(['points', 'seg/head/conv']);
      // Every pointwise layer is a Conv, each of which but the seg head's local term and the head carries its bias.
      const convs = model.graph!.node!.filter((n) => n.opType === 'Conv');
      expect(convs.filter((c) => c.input!.length === 3)).toHaveLength(convs.length - 1);
      expect(model.graph!.node!.some((n) => n.opType === 'MatMul' && n.input!.some((i) => i.endsWith('/weight')))).toBe(
        false,
      );
    });

    it('shape inference used by the checks agrees with onnxruntime on the outputs', async () => {
      const session = await ort.InferenceSession.create(bytes);
      const points = new Float32Array(2 * 777 * 3).map((_, i) => Math.sin(i * 0.37));
      const out = await session.run({ points: new ort.Tensor('float32', points, [2, 777, 3]) });
      const { shapes } = inferShapes(model, 2, 777);
      expect(shapes.get('probabilities')).toEqual([...out.probabilities!.dims]);
      expect(shapes.get('labels')).toEqual([...out.labels!.dims]);
    });

    it('has exactly the folded initializers the architecture implies, no batch-norm parameters', () => {
      const expected = expectedInitializers(m.architecture, true, graphLayout);
      const actual = new Map(model.graph!.initializer!.map((t) => [t.name!, t.dims!.map(int)]));
      expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
      for (const t of model.graph!.initializer!) {
        const n = t.dims!.map(int).reduce((a, b) => a * b, 1);
        expect(t.rawData!.length).toBe(n * (t.dataType === INT64 ? 8 : 4));
        expect(t.floatData ?? []).toHaveLength(0);
      }
      // Every trained parameter but the 4 BN vectors per block survives, plus the reshape shapes and the floors.
      expect(describeOnnx(bytes).initializerElements).toBe(
        countParams(m.architecture) - 4 * blockOutputs(m.architecture) + extraElements(graphLayout),
      );
    });

    it('broadcast-adds the global term: the only concat is the local features, no [B,N,local+global] tensor', () => {
      const { shapes } = inferShapes(model, 2, 777);
      const concats = model.graph!.node!.filter((n) => n.opType === 'Concat');
      expect(concats).toHaveLength(1);
      const local = m.architecture.concatWidths.slice(0, -1).reduce((a, b) => a + b, 0);
      expect(shapes.get(concats[0]!.output![0]!)).toEqual(perPoint(2, 777, local));
      const global = model.graph!.node!.find((n) => n.name === 'features/global_max')!;
      const g1 = m.architecture.features2[1]!.outputs;
      expect(shapes.get(global.output![0]!)).toEqual(first ? [2, g1] : [2, 1, g1]);
      for (const [name, s] of shapes) {
        if (s.length === 3 && s[first ? 2 : 1] === 777)
          expect(s[first ? 1 : 2], name).toBeLessThan(m.architecture.segHidden.inputs);
      }
    });

    it('carries the pnet metadata contract', () => {
      const meta = describeOnnx(bytes).metadata;
      expect(meta[METADATA_KEYS.category]).toBe('["Airplane"]');
      expect(JSON.parse(meta[METADATA_KEYS.classes]!)).toEqual(SYNTH_CLASSES.names);
      expect(JSON.parse(meta[METADATA_KEYS.colors]!)).toEqual(SYNTH_CLASSES.colors);
      expect(meta[METADATA_KEYS.preset]).toBe(m.meta.preset.name);
      expect(meta[METADATA_KEYS.numPoints]).toBe(String(m.meta.numPoints));
      expect(meta[METADATA_KEYS.normalization]).toBe('unit-sphere');
      expect(JSON.parse(meta[METADATA_KEYS.metrics]!)).toEqual(m.meta.metrics);
      expect(meta[METADATA_KEYS.version]).toBe(PNET_VERSION);
      expect(meta[METADATA_KEYS.checkpointSha256]).toBe(SHA);
      expect(meta[METADATA_KEYS.precision]).toBe('float32');
    });

    it('without normalisation: no preprocessing nodes and metadata says "none"', () => {
      const raw = decodeOnnx(
        buildOnnxModel({ ...m, checkpointSha256: SHA }, { normalize: false, layout: graphLayout }),
      );
      const ops = new Set(raw.graph!.node!.map((n) => n.opType));
      for (const op of ['Abs', 'ReduceMean', 'ReduceSumSquare', 'Sqrt', 'Div', 'Sub']) expect(ops.has(op)).toBe(false);
      expect(raw.graph!.node![0]!.input).toContain('points');
      expect(raw.metadataProps!.find((p) => p.key === METADATA_KEYS.normalization)!.value).toBe('none');
      expect(Object.fromEntries(raw.graph!.initializer!.map((t) => [t.name!, t.dims!.map(int)]))).toEqual(
        Object.fromEntries(expectedInitializers(m.architecture, false, graphLayout)),
      );
    });

    it('fp16: half-precision weights, casts at the boundary, float32 input and outputs', () => {
      const half = decodeOnnx(buildOnnxModel({ ...m, checkpointSha256: SHA }, { fp16: true, layout: graphLayout }));
      const casts = half.graph!.node!.filter((n) => n.opType === 'Cast');
      expect(casts.map((c) => int(c.attribute![0]!.i))).toEqual([FLOAT16, FLOAT]);
      expect(casts[0]!.input).toEqual(['normalize/points']);
      for (const t of half.graph!.initializer!) {
        const expected = t.dataType === INT64 ? INT64 : t.name!.startsWith('normalize/') ? FLOAT : FLOAT16;
        expect(t.dataType, t.name!).toBe(expected);
        if (t.dataType === FLOAT16) expect(t.rawData!.length).toBe(2 * t.dims!.map(int).reduce((a, b) => a * b, 1));
      }
      expect(half.graph!.input![0]!.type!.tensorType!.elemType).toBe(FLOAT);
      expect(half.graph!.output![0]!.type!.tensorType!.elemType).toBe(FLOAT);
      expect(half.metadataProps!.find((p) => p.key === METADATA_KEYS.precision)!.value).toBe('float16');
      checkAgainstSpec(half, inferShapes(half, 1, 100).shapes);
    });

    it('is deterministic: same weights → identical bytes; other weights → other bytes', () => {
      const again = tinyModel({ seed: 3, classes: SYNTH_CLASSES, weights: 'perturbed' });
      expect(
        Buffer.from(buildOnnxModel({ ...again, checkpointSha256: SHA }, { layout: graphLayout })).equals(bytes),
      ).toBe(true);
      const a16 = buildOnnxModel({ ...m, checkpointSha256: SHA }, { fp16: true, layout: graphLayout });
      const b16 = buildOnnxModel({ ...again, checkpointSha256: SHA }, { fp16: true, layout: graphLayout });
      expect(Buffer.from(a16).equals(b16)).toBe(true);
      const other = tinyModel({ seed: 4, classes: SYNTH_CLASSES, weights: 'perturbed' });
      expect(
        Buffer.from(buildOnnxModel({ ...other, checkpointSha256: SHA }, { layout: graphLayout })).equals(bytes),
      ).toBe(false);
    });

    it('rejects weights that do not match the architecture, and metadata with the wrong class count', () => {
      const missing = new Map(m.weights);
      missing.delete('features/conv2/bn/moving_variance');
      const wrongShape = new Map(m.weights);
      wrongShape.set('seg/head/bias', { name: 'seg/head/bias', shape: [4], data: new Float32Array(4) });
      const fewerClasses = {
        ...m.meta,
        classes: { names: SYNTH_CLASSES.names.slice(1), colors: SYNTH_CLASSES.colors.slice(1) },
      };
      for (const input of [
        { ...m, weights: missing },
        { ...m, weights: wrongShape },
        { ...m, meta: fewerClasses },
      ]) {
        let error: unknown;
        try {
          buildOnnxModel({ ...input, checkpointSha256: SHA }, { layout: graphLayout });
        } catch (e) {
          error = e;
        }
        expect(isPnetError(error) && error.code).toBe('BAD_CHECKPOINT');
      }
    });
  });

describe('keras preset export', () => {
  const keras = tinyModel({ preset: loadPreset('keras'), seed: 1, classes: SYNTH_CLASSES, weights: 'perturbed' });
  const { architecture } = keras;
  const bytes = buildOnnxModel({ ...keras, checkpointSha256: SHA });
  const model = decodeOnnx(bytes);
  const d = describeOnnx(bytes);

  it('stores the folded weights in float32 with little overhead', () => {
    const elements = countParams(architecture) - 4 * blockOutputs(architecture) + extraElements('channels-first');
    expect(countParams(architecture)).toBe(7_370_062);
    expect(d.initializerElements).toBe(elements);
    expect(d.bytes).toBeGreaterThan(4 * elements);
    expect(d.bytes).toBeLessThan(4 * elements + 64 * 1024);
    console.log(
      `keras fp32: ${d.bytes} bytes, ${d.nodeCount} nodes, ${(d.flopsPerPoint / 1e6).toFixed(3)} MFLOP/point`,
      d.opCounts,
    );
  });

  it('never materialises a [B, N, ≥2048] concat; the widest concat is the 960 local features', () => {
    const { shapes } = inferShapes(model, 1, 300);
    // Channel-first (the default): per-point tensors are [B, C, N].
    const widths = model.graph!.node!.filter((n) => n.opType === 'Concat').map((n) => shapes.get(n.output![0]!)![1]);
    expect(widths).toEqual([960]);
    for (const s of shapes.values()) if (s.length === 3 && s[2] === 300) expect(s[1]).toBeLessThanOrEqual(2048);
    checkAgainstSpec(model, shapes);
  });

  it('counts FLOPs per point as 2·MACs of the per-point MatMuls plus amortised per-cloud work', () => {
    const n = d.flopsPoints;
    const macs = (rows: Array<{ inputs: number; outputs: number }>) =>
      rows.reduce((s, b) => s + b.inputs * b.outputs, 0);
    const local = architecture.segHidden.inputs - architecture.concatWidths[5]!;
    const perPoint =
      macs([
        ...architecture.inputTnet.conv,
        ...architecture.features,
        ...architecture.featureTnet.conv,
        ...architecture.features2,
      ]) +
      3 * 3 +
      architecture.featureTnet.k ** 2 +
      local * architecture.segHidden.outputs +
      architecture.segHidden.outputs * architecture.numClasses;
    const perCloud =
      [architecture.inputTnet, architecture.featureTnet].reduce(
        (s, t) => s + macs(t.dense) + t.finalInputs * t.k * t.k,
        0,
      ) +
      architecture.concatWidths[5]! * architecture.segHidden.outputs;
    const matmulFlops = 2 * (perPoint + perCloud / n);
    expect(d.flopsPerPoint).toBeGreaterThan(matmulFlops);
    expect(d.flopsPerPoint).toBeLessThan(matmulFlops * 1.01); // elementwise work is ~0.3%
  });
});
