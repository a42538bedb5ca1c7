/**
 * The channel-first layout ([B, C, N]), the default: what decides speed on ONNX Runtime's CPU kernels (measured:
 * bench/REPORT.md):
 *   - every pointwise layer is a 1×1 Conv with its bias, and ONNX Runtime fuses the ReLU after it (FusedConv);
 *   - every max over the points is a ReduceMax over the last, contiguous axis, which ONNX Runtime runs on its
 *     fast path at any batch size (over axis 1 of [B, N, C] it is serial for B = 1);
 *   - the per-cloud layers (T-Net dense layers, the seg head's global term) are 2-D Gemm over [B, C];
 *   - the only transposes are of the 3-wide input and the classes-wide output; the T-Net transforms come out
 *     of their final layer already transposed (its columns are permuted at export time).
 */
import type { OnnxGraphBuilder } from './graph-builder.ts';
import { kernelRows, type AffineWeights } from './fold.ts';
import type { LayoutEmitter, SegHiddenTerms } from './graph-emitter.ts';

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

export class ChannelsFirstEmitter implements LayoutEmitter {
  readonly channelAxis = 1;
  readonly pointAxis = 2;
  readonly transformName = 'matrix_transposed';

  constructor(readonly b: OnnxGraphBuilder) {}

  enter(points: string): string {
    return this.b.node('Transpose', [points], 'points_channels_first', { perm: [0, 2, 1] });
  }

  /** 1×1 Conv with bias, then ReLU when asked (fused by ONNX Runtime). */
  pointwise(scope: string, x: string, layer: AffineWeights, relu: boolean): string {
    const w = this.b.floatInitializer(
      `${scope}/weight`,
      [layer.outputs, layer.inputs, 1],
      convWeight(layer.kernel, layer.inputs, layer.outputs),
    );
    const bias = this.b.floatInitializer(`${scope}/bias`, [layer.outputs], layer.bias);
    const y = this.b.node('Conv', [x, w, bias], `${scope}/conv`, { kernel_shape: [1] });
    return relu ? this.b.node('Relu', [y], `${scope}/relu`) : y;
  }

  /** Gemm with bias on [B, C], then ReLU when asked. */
  perCloud(scope: string, x: string, layer: AffineWeights, relu: boolean): string {
    const w = this.b.floatInitializer(`${scope}/weight`, [layer.inputs, layer.outputs], layer.kernel);
    const bias = this.b.floatInitializer(`${scope}/bias`, [layer.outputs], layer.bias);
    const y = this.b.node('Gemm', [x, w, bias], `${scope}/gemm`);
    return relu ? this.b.node('Relu', [y], `${scope}/relu`) : y;
  }

  poolPoints(x: string, name: string): string {
    return this.b.node('ReduceMax', [x], name, { axes: [this.pointAxis], keepdims: 0 });
  }

  transformLayer(layer: AffineWeights, k: number): AffineWeights {
    return transposedOutputs(layer, k);
  }

  applyTransform(transform: string, x: string, name: string): string {
    return this.b.node('MatMul', [transform, x], name);
  }

  segHidden({ scope, localFeatures, global, seg, localRows, globalRows }: SegHiddenTerms): string {
    const { b } = this;
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
    const globalTerm = this.perCloud(`${scope}/global`, global, globalLayer, false);
    const columnShape = b.int64Initializer(`${scope}/global_column_shape`, [0, -1, 1]);
    const globalColumn = b.node('Reshape', [globalTerm, columnShape], `${scope}/global_column`);
    return b.node('Relu', [b.node('Add', [localTerm, globalColumn], `${scope}/add`)], `${scope}/relu`);
  }

  leave(logits: string): string {
    return this.b.node('Transpose', [logits], 'seg/logits_channels_last', { perm: [0, 2, 1] });
  }
}
