/**
 * The PointNet segmentation forward pass as ONNX nodes (opset 17), from a ModelArchitecture and its weights: the network
 * walked once here; how each layer is written in the chosen memory layout is the emitter's (graph-emitter.ts).
 *
 * Shapes: B = batch, N = points; both stay symbolic, so one file serves any batch size and point count.
 *   points [B,N,3] → (centre, scale into the unit sphere) → input T-Net → x·A → f0,f1,f2 → feature T-Net
 *   → t = f2·B → g0, g1 → global = max over N of g1
 *   → seg hidden = ReLU(concat[f0,f1,f2,t,g0]·W_local + (global·W_global + b)) → head → softmax, argmax
 * The seg head's global term is computed once per cloud and broadcast-added, so no [B,N,g1+…] concat
 * (2048 wide and more for keras) is ever materialised; the local concat is at most a few hundred wide.
 */
import { onnx } from './onnx-proto.ts';
import { OnnxGraphBuilder, type FloatPrecision } from './graph-builder.ts';
import { foldedBlock, plainLayer } from './fold.ts';
import { normalizeUnitSphereNodes } from './normalize-graph.ts';
import type { LayoutEmitter } from './graph-emitter.ts';
import { ChannelsFirstEmitter } from './graph-emitter-channels-first.ts';
import { ChannelsLastEmitter } from './graph-emitter-channels-last.ts';
import type { BlockSpec, ModelArchitecture, TnetArchitecture, WeightMap } from '../../src/model/spec.ts';
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

const EMITTERS: Record<GraphLayout, new (b: OnnxGraphBuilder) => LayoutEmitter> = {
  'channels-first': ChannelsFirstEmitter,
  'channels-last': ChannelsLastEmitter,
};

class PointNetGraph {
  constructor(
    private readonly architecture: ModelArchitecture,
    private readonly weights: WeightMap,
    private readonly options: PointNetGraphOptions,
    private readonly emit: LayoutEmitter,
  ) {}

  /** A conv or dense block with its batch norm folded in. */
  private folded(block: BlockSpec) {
    return foldedBlock(this.weights, block, this.architecture.preset.batchNorm.epsilon);
  }

  /** conv×n → max over points → dense×m → final dense, reshaped to the k×k transform [B,k,k]. */
  private tnet(t: TnetArchitecture, x: string): string {
    const { emit } = this;
    let h = x;
    for (const block of t.conv) h = emit.pointwise(block.prefix, h, this.folded(block), true);
    h = emit.poolPoints(h, `${t.prefix}/max`);
    for (const block of t.dense) h = emit.perCloud(block.prefix, h, this.folded(block), true);
    // The identity is part of the trained final bias, so no separate "+ I" node is needed.
    const final = emit.transformLayer(plainLayer(this.weights, t.finalPrefix, t.finalInputs, t.k * t.k), t.k);
    const flat = emit.perCloud(t.finalPrefix, h, final, false);
    const shape = emit.b.int64Initializer(`${t.prefix}/matrix_shape`, [-1, t.k, t.k]);
    return emit.b.node('Reshape', [flat, shape], `${t.prefix}/${emit.transformName}`);
  }

  build(): OnnxGraphBuilder {
    const { architecture, weights, emit } = this;
    const { b } = emit;
    let x = emit.enter(b.claim(TENSOR_NAMES.points));
    if (this.options.normalize) x = normalizeUnitSphereNodes(b, x, emit.channelAxis, emit.pointAxis);
    if (this.options.precision === 'float16') {
      x = b.node('Cast', [x], 'points_float16', { to: onnx.TensorProto.DataType.FLOAT16 });
    }

    x = emit.applyTransform(this.tnet(architecture.inputTnet, x), x, 'input_tnet/apply');
    const local: string[] = [];
    for (const block of architecture.features) {
      x = emit.pointwise(block.prefix, x, this.folded(block), true);
      local.push(x);
    }
    x = emit.applyTransform(this.tnet(architecture.featureTnet, x), x, 'feature_tnet/apply');
    local.push(x);
    const [g0Block, g1Block] = architecture.features2;
    x = emit.pointwise(g0Block!.prefix, x, this.folded(g0Block!), true);
    local.push(x);
    x = emit.pointwise(g1Block!.prefix, x, this.folded(g1Block!), true);
    const global = emit.poolPoints(x, 'features/global_max');

    // seg/conv1 on [local features, global feature]: its kernel split by rows (concatWidths order).
    const hidden = emit.segHidden({
      scope: architecture.segHidden.prefix,
      localFeatures: b.node('Concat', local, 'seg/local_features', { axis: emit.channelAxis }),
      global,
      seg: this.folded(architecture.segHidden),
      localRows: architecture.concatWidths.slice(0, -1).reduce((a, c) => a + c, 0),
      globalRows: architecture.concatWidths[architecture.concatWidths.length - 1]!,
    });

    const head = plainLayer(weights, architecture.headPrefix, architecture.segHidden.outputs, architecture.numClasses);
    let logits = emit.pointwise(architecture.headPrefix, hidden, head, false);
    if (this.options.precision === 'float16') {
      logits = b.node('Cast', [logits], 'seg/logits_float32', { to: onnx.TensorProto.DataType.FLOAT });
    }
    const probabilities = b.node('Softmax', [emit.leave(logits)], TENSOR_NAMES.probabilities, { axis: -1 });
    b.node('ArgMax', [probabilities], TENSOR_NAMES.labels, { axis: -1, keepdims: 0 });
    return b;
  }
}

/** The graph's nodes and initializers (inputs/outputs are declared by the model builder). */
export function buildPointNetGraph(
  architecture: ModelArchitecture,
  weights: WeightMap,
  options: PointNetGraphOptions,
  graphLayout: GraphLayout = 'channels-first',
): OnnxGraphBuilder {
  const emitter = new EMITTERS[graphLayout](new OnnxGraphBuilder(options.precision));
  return new PointNetGraph(architecture, weights, options, emitter).build();
}
