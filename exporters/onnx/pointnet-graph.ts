/**
 * The PointNet segmentation forward pass as ONNX nodes (opset 17), from a ModelLayout and its weights, in
 * channel-last layout ([B, N, C], MatMul per layer); the default channel-first graph is in
 * pointnet-graph-channels-first.ts.
 *
 * Shapes: B = batch, N = points; both stay symbolic, so one file serves any batch size and point count.
 *   points [B,N,3] → (centre, scale into the unit sphere) → input T-Net → x·A → f0,f1,f2 → feature T-Net
 *   → t = f2·B → g0, g1 → global = max over N of g1 [B,1,g1]
 *   → seg hidden = ReLU(concat[f0,f1,f2,t,g0]·W_local + (global·W_global + b)) → head → softmax, argmax
 * The seg head's global term is computed once per cloud and broadcast-added, so no [B,N,g1+…] concat
 * (2048 wide and more for keras) is ever materialised; the local concat is at most a few hundred wide.
 */
import { onnx } from './onnx-proto.ts';
import { OnnxGraphBuilder, type FloatPrecision } from './graph-builder.ts';
import { foldedBlock, kernelRows, plainLayer, type AffineWeights } from './fold.ts';
import { normalizeUnitSphereNodes } from './normalize-graph.ts';
import { buildChannelsFirstGraph } from './pointnet-graph-channels-first.ts';
import type { ModelLayout, TnetLayout, WeightMap } from '../../src/model/spec.ts';
import { TENSOR_NAMES } from '../../src/core/contract.ts';

/**
 * Memory layout of the activations. `channels-first` ([B, C, N], 1×1 Conv) is the default: it is the faster
 * one on every runtime measured (bench/REPORT.md); `channels-last` ([B, N, C], MatMul) is kept for comparison.
 */
export const GRAPH_LAYOUTS = ['channels-first', 'channels-last'] as const;
export type GraphLayout = (typeof GRAPH_LAYOUTS)[number];

export interface PointNetGraphOptions {
  normalize: boolean;
  precision: FloatPrecision;
}

const POINT_AXIS = 1;

class PointNetGraph {
  readonly b: OnnxGraphBuilder;

  constructor(
    private readonly layout: ModelLayout,
    private readonly weights: WeightMap,
    private readonly options: PointNetGraphOptions,
  ) {
    this.b = new OnnxGraphBuilder(options.precision);
  }

  private get epsilon(): number {
    return this.layout.preset.batchNorm.epsilon;
  }

  /** x·W + b, then ReLU when asked; works on [B,N,C] and [B,1,C] alike. */
  private affine(scope: string, x: string, layer: AffineWeights, relu: boolean): string {
    const w = this.b.floatInitializer(`${scope}/weight`, [layer.inputs, layer.outputs], layer.kernel);
    const bias = this.b.floatInitializer(`${scope}/bias`, [layer.outputs], layer.bias);
    const product = this.b.node('MatMul', [x, w], `${scope}/matmul`);
    const sum = this.b.node('Add', [product, bias], `${scope}/add`);
    return relu ? this.b.node('Relu', [sum], `${scope}/relu`) : sum;
  }

  /** conv×n → max over points → dense×m → final dense, reshaped to the k×k transform [B,k,k]. */
  private tnet(t: TnetLayout, x: string): string {
    let h = x;
    for (const block of t.conv) h = this.affine(block.prefix, h, foldedBlock(this.weights, block, this.epsilon), true);
    h = this.b.node('ReduceMax', [h], `${t.prefix}/max`, { axes: [POINT_AXIS], keepdims: 1 });
    for (const block of t.dense) h = this.affine(block.prefix, h, foldedBlock(this.weights, block, this.epsilon), true);
    // The identity is part of the trained final bias, so no separate "+ I" node is needed.
    const flat = this.affine(
      t.finalPrefix,
      h,
      plainLayer(this.weights, t.finalPrefix, t.finalInputs, t.k * t.k),
      false,
    );
    const shape = this.b.int64Initializer(`${t.prefix}/matrix_shape`, [-1, t.k, t.k]);
    return this.b.node('Reshape', [flat, shape], `${t.prefix}/matrix`);
  }

  build(): OnnxGraphBuilder {
    const { layout, weights, b } = this;
    let x = b.claim(TENSOR_NAMES.points);
    if (this.options.normalize) x = normalizeUnitSphereNodes(b, x, 2, POINT_AXIS);
    if (this.options.precision === 'float16') {
      x = b.node('Cast', [x], 'points_float16', { to: onnx.TensorProto.DataType.FLOAT16 });
    }

    const inputTransform = this.tnet(layout.inputTnet, x);
    x = b.node('MatMul', [x, inputTransform], 'input_tnet/apply');

    const local: string[] = [];
    for (const block of layout.features) {
      x = this.affine(block.prefix, x, foldedBlock(weights, block, this.epsilon), true);
      local.push(x);
    }
    const featureTransform = this.tnet(layout.featureTnet, x);
    x = b.node('MatMul', [x, featureTransform], 'feature_tnet/apply');
    local.push(x);
    const [g0Block, g1Block] = layout.features2;
    x = this.affine(g0Block!.prefix, x, foldedBlock(weights, g0Block!, this.epsilon), true);
    local.push(x);
    x = this.affine(g1Block!.prefix, x, foldedBlock(weights, g1Block!, this.epsilon), true);
    const global = b.node('ReduceMax', [x], 'features/global_max', { axes: [POINT_AXIS], keepdims: 1 });

    // seg/conv1 on [local features, global feature]: split its kernel by rows (concatWidths order).
    const seg = foldedBlock(weights, layout.segHidden, this.epsilon);
    const localRows = layout.concatWidths.slice(0, -1).reduce((a, c) => a + c, 0);
    const globalRows = layout.concatWidths[layout.concatWidths.length - 1]!;
    const scope = layout.segHidden.prefix;
    const localFeatures = b.node('Concat', local, 'seg/local_features', { axis: 2 });
    const wLocal = b.floatInitializer(`${scope}/weight_local`, [localRows, seg.outputs], kernelRows(seg, 0, localRows));
    const wGlobal = b.floatInitializer(
      `${scope}/weight_global`,
      [globalRows, seg.outputs],
      kernelRows(seg, localRows, localRows + globalRows),
    );
    const bias = b.floatInitializer(`${scope}/bias`, [seg.outputs], seg.bias);
    const localTerm = b.node('MatMul', [localFeatures, wLocal], `${scope}/local_matmul`);
    const globalTerm = b.node('MatMul', [global, wGlobal], `${scope}/global_matmul`);
    const globalBiased = b.node('Add', [globalTerm, bias], `${scope}/global_add`);
    const hidden = b.node('Relu', [b.node('Add', [localTerm, globalBiased], `${scope}/add`)], `${scope}/relu`);

    const head = plainLayer(weights, layout.headPrefix, layout.segHidden.outputs, layout.numClasses);
    let logits = this.affine(layout.headPrefix, hidden, head, false);
    if (this.options.precision === 'float16') {
      logits = b.node('Cast', [logits], 'seg/logits_float32', { to: onnx.TensorProto.DataType.FLOAT });
    }
    const probabilities = b.node('Softmax', [logits], TENSOR_NAMES.probabilities, { axis: -1 });
    b.node('ArgMax', [probabilities], TENSOR_NAMES.labels, { axis: -1, keepdims: 0 });
    return b;
  }
}

/** The graph's nodes and initializers (inputs/outputs are declared by the model builder). */
export function buildPointNetGraph(
  layout: ModelLayout,
  weights: WeightMap,
  options: PointNetGraphOptions,
  graphLayout: GraphLayout = 'channels-first',
): OnnxGraphBuilder {
  if (graphLayout === 'channels-first') return buildChannelsFirstGraph(layout, weights, options);
  return new PointNetGraph(layout, weights, options).build();
}
