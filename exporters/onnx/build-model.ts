/**
 * Assembles and encodes the ONNX ModelProto: IR version 8, default-domain opset 17, one graph with input
 * `points` and outputs `probabilities` / `labels`, pnet metadata. No timestamps and a fixed node and
 * initializer order, so the same weights always encode to the same bytes.
 */
import { onnx, type OnnxTypes } from './onnx-proto.ts';
import { buildPointNetGraph } from './pointnet-graph.ts';
import type { OnnxExportInput, OnnxExportOptions } from './export-types.ts';
import type { OnnxGraphBuilder } from './graph-builder.ts';
import { checkWeights } from './fold.ts';
import { PnetError } from '../../src/core/errors.ts';
import { TENSOR_NAMES, writeModelMetadata, type MetadataEntry, type ModelPrecision } from '../../src/core/contract.ts';
import { PNET_VERSION } from '../../src/core/version.ts';
import type { CheckpointMeta } from '../../src/checkpoint/format.ts';
import type { ModelArchitecture } from '../../src/model/spec.ts';
import { ONNX_IR_VERSION, ONNX_OPSET } from './versions.ts';

export { ONNX_IR_VERSION, ONNX_OPSET };

export type { OnnxExportInput, OnnxExportOptions } from './export-types.ts';

type Dim = number | string;

function tensorInfo(name: string, elemType: number, dims: Dim[], docString: string): OnnxTypes.IValueInfoProto {
  return {
    name,
    docString,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function checkMeta(architecture: ModelArchitecture, meta: CheckpointMeta): void {
  const { names, colors } = meta.classes;
  if (names.length !== architecture.numClasses || colors.length !== architecture.numClasses) {
    throw new PnetError(
      'BAD_CHECKPOINT',
      `the model has ${architecture.numClasses} classes but the metadata names ${names.length} classes and ${colors.length} colours`,
    );
  }
}

export function buildOnnxModel(input: OnnxExportInput, options: OnnxExportOptions = {}): Uint8Array {
  const { architecture, weights, meta } = input;
  const normalize = options.normalize ?? true;
  const precision = options.fp16 ? 'float16' : 'float32';
  checkMeta(architecture, meta);
  checkWeights(architecture, weights);
  const graph = buildPointNetGraph(architecture, weights, { normalize, precision }, options.layout);
  return encodePointNetModel(input, graph, { normalize, precision });
}

/** What encodePointNetModel needs besides the graph: how it was built, and metadata beyond the contract's keys. */
export interface PointNetModelFacts {
  normalize: boolean;
  precision: ModelPrecision;
  extraMetadata?: MetadataEntry[];
}

/**
 * Wraps a PointNet graph body (nodes and initializers, as buildPointNetGraph makes them or a rewrite of them such
 * as the int8 one) in the contract's ModelProto: input `points`, outputs `probabilities` / `labels`, pnet metadata.
 */
export function encodePointNetModel(
  input: OnnxExportInput,
  graph: Pick<OnnxGraphBuilder, 'nodes' | 'initializers'>,
  facts: PointNetModelFacts,
): Uint8Array {
  const { architecture, meta, checkpointSha256 } = input;
  const { normalize, precision } = facts;
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const classes = architecture.numClasses;
  const inputDoc = normalize
    ? 'Raw xyz coordinates, float32 [batch, num_points, 3]; any point count. The graph centres each cloud on its centroid and scales it into the unit sphere.'
    : 'xyz coordinates already centred on the cloud centroid and scaled so the farthest point has norm 1, float32 [batch, num_points, 3].';
  const model: OnnxTypes.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'pnet',
    producerVersion: PNET_VERSION,
    domain: 'pnet',
    modelVersion: 1,
    docString:
      `PointNet part segmentation (preset ${meta.preset.name}, ${precision}) for ${meta.category.join(', ')}: ` +
      `per-point probabilities over ${classes} parts (${meta.classes.names.join(', ')}). ` +
      `Trained on ${meta.numPoints} points per cloud, epoch ${meta.epoch}.`,
    graph: {
      name: `pnet_${meta.preset.name}_segmentation`,
      docString: 'PointNet segmentation with batch norm folded into the pointwise layers.',
      node: graph.nodes,
      initializer: graph.initializers,
      input: [tensorInfo(TENSOR_NAMES.points, FLOAT, ['batch', 'num_points', 3], inputDoc)],
      output: [
        tensorInfo(
          TENSOR_NAMES.probabilities,
          FLOAT,
          ['batch', 'num_points', classes],
          'Per-point class probabilities (softmax), float32 [batch, num_points, classes]; class order as in metadata pnet.classes.',
        ),
        tensorInfo(
          TENSOR_NAMES.labels,
          onnx.TensorProto.DataType.INT64,
          ['batch', 'num_points'],
          'Per-point class index (argmax of probabilities), int64 [batch, num_points].',
        ),
      ],
    },
    metadataProps: writeModelMetadata({
      category: meta.category,
      classes: meta.classes.names,
      colors: meta.classes.colors,
      preset: meta.preset.name,
      numPoints: meta.numPoints,
      normalization: normalize ? meta.normalization : 'none',
      metrics: meta.metrics ?? {},
      version: PNET_VERSION,
      checkpointSha256,
      precision,
    }).concat(facts.extraMetadata ?? []),
  };
  return onnx.ModelProto.encode(model).finish();
}
