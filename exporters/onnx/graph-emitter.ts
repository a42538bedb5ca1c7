/**
 * What a memory layout of the activations decides in the PointNet graph, and nothing else: how a pointwise layer,
 * a per-cloud layer and a max over the points are written, how a T-Net transform is applied, and how the graph
 * enters and leaves the layout. pointnet-graph.ts walks the network once and asks an emitter for each of these.
 */
import type { OnnxGraphBuilder } from './graph-builder.ts';
import type { AffineWeights } from './fold.ts';

export interface SegHiddenTerms {
  scope: string;
  /** The concat of the per-point features [f0, f1, f2, t, g0] in this layout. */
  localFeatures: string;
  /** The global feature, as poolPoints gave it. */
  global: string;
  /** seg/conv1 folded with its batch norm; its kernel rows follow the concat order, the global rows last. */
  seg: AffineWeights;
  localRows: number;
  globalRows: number;
}

export interface LayoutEmitter {
  readonly b: OnnxGraphBuilder;
  /** Axes of a [B, ·, ·] activation: where the channels and where the points are. */
  readonly channelAxis: number;
  readonly pointAxis: number;
  /** The name the T-Net's reshaped final layer gets (`matrix`, or `matrix_transposed` when it comes out so). */
  readonly transformName: string;
  /** The [B, N, 3] input into this layout. */
  enter(points: string): string;
  /** A layer applied to every point. */
  pointwise(scope: string, x: string, layer: AffineWeights, relu: boolean): string;
  /** A layer applied once per cloud (T-Net dense layers), on what poolPoints gives. */
  perCloud(scope: string, x: string, layer: AffineWeights, relu: boolean): string;
  /** Max over the points. */
  poolPoints(x: string, name: string): string;
  /** The T-Net's final layer as this layout wants its k×k outputs. */
  transformLayer(layer: AffineWeights, k: number): AffineWeights;
  /** x multiplied by the T-Net's transform. */
  applyTransform(transform: string, x: string, name: string): string;
  /** ReLU(local·W_local + global·W_global + b), the global term computed once per cloud and broadcast. */
  segHidden(terms: SegHiddenTerms): string;
  /** The logits back to [B, N, classes]. */
  leave(logits: string): string;
}
