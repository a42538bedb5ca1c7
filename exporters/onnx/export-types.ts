/**
 * The ONNX exporter's option and report types with no onnx-proto behind them, for the public .d.ts of `pnet` and
 * `pnet/triton`: the modules that use them (build-model.ts, describe.ts, export-checkpoint.ts) import onnx-proto
 * (and through it protobufjs' `Long`), which a consumer's strict type check (`skipLibCheck: false`) would then
 * load, so the types live here and those modules import them.
 */
import type { CheckpointMeta } from '../../src/checkpoint/format.ts';
import type { ModelArchitecture, WeightMap } from '../../src/model/spec.ts';

/** The net in memory, as `buildOnnxModel` takes it. */
export interface OnnxExportInput {
  architecture: ModelArchitecture;
  weights: WeightMap;
  meta: CheckpointMeta;
  /** sha256 (hex) of the checkpoint file the weights came from, recorded as provenance. */
  checkpointSha256: string;
}

export interface OnnxExportOptions {
  /** Centre and unit-sphere-scale each cloud inside the graph (default true); false expects normalised input. */
  normalize?: boolean;
  /** Store weights and compute in float16 (inputs and outputs stay float32). Default false. */
  fp16?: boolean;
  /** Activation layout of the graph; inputs, outputs and metadata are the same for every layout. */
  layout?: 'channels-first' | 'channels-last';
}

/** What an ONNX file holds: versions, op counts, weights, metadata, FLOPs. */
export interface OnnxDescription {
  bytes: number;
  irVersion: number;
  opset: number;
  producer: string;
  /** Node count by op type, keys sorted. */
  opCounts: Record<string, number>;
  nodeCount: number;
  /** Total elements over all initializers (folded weights, so fewer than the checkpoint's parameters). */
  initializerElements: number;
  metadata: Record<string, string>;
  /** Points per cloud the FLOPs were counted at. */
  flopsPoints: number;
  flopsPerCloud: number;
  flopsPerPoint: number;
}

export interface ExportReport extends OnnxDescription {
  /** Where the model was written. */
  path: string;
  checkpoint: string;
  checkpointSha256: string;
}
