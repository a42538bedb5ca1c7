/**
 * The channel-last layout ([B, N, C], MatMul per layer), kept to compare with the channel-first default
 * (bench/REPORT.md). Per-cloud tensors keep a points axis of 1 ([B, 1, C]), so every layer is the same MatMul + Add.
 */
import type { OnnxGraphBuilder } from './graph-builder.ts';
import { kernelRows, type AffineWeights } from './fold.ts';
import type { LayoutEmitter, SegHiddenTerms } from './graph-emitter.ts';

export class ChannelsLastEmitter implements LayoutEmitter {
  readonly channelAxis = 2;
  readonly pointAxis = 1;
  readonly transformName = 'matrix';

  constructor(readonly b: OnnxGraphBuilder) {}

  enter(points: string): string {
    return points;
  }

  /** x·W + b, then ReLU when asked; works on [B,N,C] and [B,1,C] alike. */
  pointwise(scope: string, x: string, layer: AffineWeights, relu: boolean): string {
    const w = this.b.floatInitializer(`${scope}/weight`, [layer.inputs, layer.outputs], layer.kernel);
    const bias = this.b.floatInitializer(`${scope}/bias`, [layer.outputs], layer.bias);
    const product = this.b.node('MatMul', [x, w], `${scope}/matmul`);
    const sum = this.b.node('Add', [product, bias], `${scope}/add`);
    return relu ? this.b.node('Relu', [sum], `${scope}/relu`) : sum;
  }

  perCloud(scope: string, x: string, layer: AffineWeights, relu: boolean): string {
    return this.pointwise(scope, x, layer, relu);
  }

  poolPoints(x: string, name: string): string {
    return this.b.node('ReduceMax', [x], name, { axes: [this.pointAxis], keepdims: 1 });
  }

  transformLayer(layer: AffineWeights): AffineWeights {
    return layer;
  }

  applyTransform(transform: string, x: string, name: string): string {
    return this.b.node('MatMul', [x, transform], name);
  }

  segHidden({ scope, localFeatures, global, seg, localRows, globalRows }: SegHiddenTerms): string {
    const { b } = this;
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
    return b.node('Relu', [b.node('Add', [localTerm, globalBiased], `${scope}/add`)], `${scope}/relu`);
  }

  leave(logits: string): string {
    return logits;
  }
}
