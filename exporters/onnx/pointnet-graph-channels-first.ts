/**
 * The PointNet segmentation forward pass in channel-first layout ([B, C, N]), opset 17.
 *
 * Same network and the same weights as the channel-last graph (pointnet-graph.ts); only the memory layout of the
 * activations differs, which is what decides speed on ONNX Runtime's CPU kernels (measured: bench/REPORT.md):
 *   - every pointwise layer is a 1×1 Conv with its bias, and ONNX Runtime fuses the ReLU after it (FusedConv);
 *   - every max over the points is a ReduceMax over the last, contiguous axis, which ONNX Runtime runs on its
 *     fast path at any batch size (over axis 1 of [B, N, C] it is serial for B = 1);
 *   - the per-cloud layers (T-Net dense layers, the seg head's global term) are 2-D Gemm over [B, C];
 *   - the only transposes are of the 3-wide input and the classes-wide output; the T-Net transforms come out
 *     of their final layer already transposed (its columns are permuted at export time).
 *
 *   points [B,N,3] → Transpose [B,3,N] → normalise → input T-Net → Aᵀ·x → f0,f1,f2 → feature T-Net → Bᵀ·f2 = t
 *   → g0, g1 → global = max over N of g1 [B,g1] → seg hidden = ReLU(W_local * concat[f0,f1,f2,t,g0] + (global·W_global + b))
 *   → head → Transpose [B,N,classes] → softmax, argmax
 */
import { onnx } from './onnx-proto.ts';
import { OnnxGraphBuilder } from './graph-builder.ts';
import { foldedBlock, kernelRows, plainLayer, type AffineWeights } from './fold.ts';
import { normalizeUnitSphereNodes } from './normalize-graph.ts';
import type { PointNetGraphOptions } from './pointnet-graph.ts';
import type { ModelLayout, TnetLayout, WeightMap } from '../../src/model/spec.ts';
import { TENSOR_NAMES } from '../../src/core/contract.ts';

const CHANNEL_AXIS = 1;
const POINT_AXIS = 2;

/** A row-major [inputs, outputs] kernel as a Conv weight [outputs, inputs, 1]. */
function convWeight(kernel: Float32Array, inputs: number, outputs: number): Float32Array {
  const out = new Float32Array(inputs * outputs);
  for (let i = 0; i < inputs; i++) for (let o = 0; o < outputs; o++) out[o * inputs + i] = kernel[i * outputs + o]!;
  return out;
}

/**
 * The T-Net's final layer with its k×k outputs reordered so that reshaping them gives the transform transposed:
 * output j·k+i takes the old output i·k+j. Channel-first applies xᵀ·A as Aᵀ·x, so no Transpose node is needed.
 */
function transposedOutputs(layer: AffineWeights, k: number): AffineWeights {
  const kernel = new Float32Array(layer.kernel.length);
  const bias = new Float32Array(layer.bias.length);
  const n = layer.outputs;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const from = i * k + j;
      const to = j * k + i;
      bias[to] = layer.bias[from]!;
      for (let r = 0; r < layer.inputs; r++) kernel[r * n + to] = layer.kernel[r * n + from]!;
    }
  }
  return { ...layer, kernel, bias };
}

class ChannelsFirstGraph {
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

  /** Pointwise layer on [B, C, N]: 1×1 Conv with bias, then ReLU when asked (fused by ONNX Runtime). */
  private conv(scope: string, x: string, layer: AffineWeights, relu: boolean): string {
    const w = this.b.floatInitializer(
      `${scope}/weight`,
      [layer.outputs, layer.inputs, 1],
      convWeight(layer.kernel, layer.inputs, layer.outputs),
    );
    const bias = this.b.floatInitializer(`${scope}/bias`, [layer.outputs], layer.bias);
    const y = this.b.node('Conv', [x, w, bias], `${scope}/conv`, { kernel_shape: [1] });
    return relu ? this.b.node('Relu', [y], `${scope}/relu`) : y;
  }

  /** Per-cloud layer on [B, C]: Gemm with bias, then ReLU when asked. */
  private dense(scope: string, x: string, layer: AffineWeights, relu: boolean): string {
    const w = this.b.floatInitializer(`${scope}/weight`, [layer.inputs, layer.outputs], layer.kernel);
    const bias = this.b.floatInitializer(`${scope}/bias`, [layer.outputs], layer.bias);
    const y = this.b.node('Gemm', [x, w, bias], `${scope}/gemm`);
    return relu ? this.b.node('Relu', [y], `${scope}/relu`) : y;
  }

  /** conv×n → max over points [B,C] → dense×m → final dense, reshaped to the transposed k×k transform [B,k,k]. */
  private tnet(t: TnetLayout, x: string): string {
    let h = x;
    for (const block of t.conv) h = this.conv(block.prefix, h, foldedBlock(this.weights, block, this.epsilon), true);
    h = this.b.node('ReduceMax', [h], `${t.prefix}/max`, { axes: [POINT_AXIS], keepdims: 0 });
    for (const block of t.dense) h = this.dense(block.prefix, h, foldedBlock(this.weights, block, this.epsilon), true);
    // The identity is part of the trained final bias, so no separate "+ I" node is needed.
    const final = transposedOutputs(plainLayer(this.weights, t.finalPrefix, t.finalInputs, t.k * t.k), t.k);
    const flat = this.dense(t.finalPrefix, h, final, false);
    const shape = this.b.int64Initializer(`${t.prefix}/matrix_shape`, [-1, t.k, t.k]);
    return this.b.node('Reshape', [flat, shape], `${t.prefix}/matrix_transposed`);
  }

  build(): OnnxGraphBuilder {
    const { layout, weights, b } = this;
    const points = b.claim(TENSOR_NAMES.points);
    let x = b.node('Transpose', [points], 'points_channels_first', { perm: [0, 2, 1] });
    if (this.options.normalize) x = normalizeUnitSphereNodes(b, x, CHANNEL_AXIS, POINT_AXIS);
    if (this.options.precision === 'float16') {
      x = b.node('Cast', [x], 'points_float16', { to: onnx.TensorProto.DataType.FLOAT16 });
    }

    const inputTransform = this.tnet(layout.inputTnet, x);
    x = b.node('MatMul', [inputTransform, x], 'input_tnet/apply');

    const local: string[] = [];
    for (const block of layout.features) {
      x = this.conv(block.prefix, x, foldedBlock(weights, block, this.epsilon), true);
      local.push(x);
    }
    const featureTransform = this.tnet(layout.featureTnet, x);
    x = b.node('MatMul', [featureTransform, x], 'feature_tnet/apply');
    local.push(x);
    const [g0Block, g1Block] = layout.features2;
    x = this.conv(g0Block!.prefix, x, foldedBlock(weights, g0Block!, this.epsilon), true);
    local.push(x);
    x = this.conv(g1Block!.prefix, x, foldedBlock(weights, g1Block!, this.epsilon), true);
    const global = b.node('ReduceMax', [x], 'features/global_max', { axes: [POINT_AXIS], keepdims: 0 });

    // seg/conv1 on [local features, global feature]: split its kernel by rows (concatWidths order).
    const seg = foldedBlock(weights, layout.segHidden, this.epsilon);
    const localRows = layout.concatWidths.slice(0, -1).reduce((a, c) => a + c, 0);
    const globalRows = layout.concatWidths[layout.concatWidths.length - 1]!;
    const scope = layout.segHidden.prefix;
    const localFeatures = b.node('Concat', local, 'seg/local_features', { axis: CHANNEL_AXIS });
    const wLocal = b.floatInitializer(
      `${scope}/weight_local`,
      [seg.outputs, localRows, 1],
      convWeight(kernelRows(seg, 0, localRows), localRows, seg.outputs),
    );
    const localTerm = b.node('Conv', [localFeatures, wLocal], `${scope}/local_conv`, { kernel_shape: [1] });
    const globalLayer = {
      inputs: globalRows,
      outputs: seg.outputs,
      kernel: kernelRows(seg, localRows, localRows + globalRows),
      bias: seg.bias,
    };
    const globalTerm = this.dense(`${scope}/global`, global, globalLayer, false);
    const columnShape = b.int64Initializer(`${scope}/global_column_shape`, [0, -1, 1]);
    const globalColumn = b.node('Reshape', [globalTerm, columnShape], `${scope}/global_column`);
    const hidden = b.node('Relu', [b.node('Add', [localTerm, globalColumn], `${scope}/add`)], `${scope}/relu`);

    const head = plainLayer(weights, layout.headPrefix, layout.segHidden.outputs, layout.numClasses);
    let logits = this.conv(layout.headPrefix, hidden, head, false);
    if (this.options.precision === 'float16') {
      logits = b.node('Cast', [logits], 'seg/logits_float32', { to: onnx.TensorProto.DataType.FLOAT });
    }
    logits = b.node('Transpose', [logits], 'seg/logits_channels_last', { perm: [0, 2, 1] });
    const probabilities = b.node('Softmax', [logits], TENSOR_NAMES.probabilities, { axis: -1 });
    b.node('ArgMax', [probabilities], TENSOR_NAMES.labels, { axis: -1, keepdims: 0 });
    return b;
  }
}

export function buildChannelsFirstGraph(
  layout: ModelLayout,
  weights: WeightMap,
  options: PointNetGraphOptions,
): OnnxGraphBuilder {
  return new ChannelsFirstGraph(layout, weights, options).build();
}
