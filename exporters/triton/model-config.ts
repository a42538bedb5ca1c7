/**
 * Triton model configuration (config.pbtxt) for a pnet ONNX file. Inputs and outputs, their types and their dims are
 * read from the ONNX graph itself, so the config cannot drift from the file it serves; the pnet metadata travels in
 * `parameters` so clients learn part names, colours and provenance from the config endpoint alone.
 */
import {
  ONNX_FLOAT,
  ONNX_INT64,
  readOnnxFacts,
  readOnnxGraphSignature,
  type OnnxValueFacts,
} from '../../src/core/onnx-facts.ts';
import { METADATA_KEYS, METADATA_PREFIX, TENSOR_NAMES } from '../../src/core/contract.ts';
import { PnetError } from '../../src/core/errors.ts';

export const TRITON_PLATFORM = 'onnxruntime_onnx';
export const TRITON_LABELS_FILE = 'labels.txt';
export const TRITON_MODEL_FILE = 'model.onnx';
export const INSTANCE_KINDS = ['gpu', 'cpu'] as const;
export type InstanceKind = (typeof INSTANCE_KINDS)[number];

export interface TritonConfigOptions {
  /** Triton model name (the folder name in the repository). */
  name: string;
  /** Most clouds Triton may merge into one run; 0 turns Triton's batching off (the batch axis is then in dims). */
  maxBatch: number;
  /** Serve one fixed point count (clients resample to it) instead of any count. */
  points?: number;
  instanceKind: InstanceKind;
  /** Model instances (per GPU for KIND_GPU). */
  instances: number;
}

export interface TritonTensorSpec {
  name: string;
  dataType: 'TYPE_FP32' | 'TYPE_INT64';
  /** As Triton expects them: without the batch axis when max_batch_size > 0. */
  dims: number[];
}

export interface TritonModelConfig {
  configText: string;
  /** labels.txt: one part name per line, class-index order. */
  labelsText: string;
  input: TritonTensorSpec;
  outputs: TritonTensorSpec[];
  classes: string[];
  /** The pnet.* metadata of the ONNX file, carried as config parameters. */
  parameters: Record<string, string>;
}

function tritonType(elemType: number, name: string): TritonTensorSpec['dataType'] {
  if (elemType === ONNX_FLOAT) return 'TYPE_FP32';
  if (elemType === ONNX_INT64) return 'TYPE_INT64';
  throw new PnetError(
    'BAD_MODEL',
    `tensor "${name}" has ONNX element type ${elemType}; pnet serves only float32 and int64`,
  );
}

/** ONNX dims → Triton dims: the leading `batch` axis goes (or stays as -1 without batching), `num_points` is -1 or N. */
function tensorSpec(value: OnnxValueFacts, options: TritonConfigOptions): TritonTensorSpec {
  const { name, dims } = value;
  if (dims[0]?.param !== 'batch') {
    throw new PnetError('BAD_MODEL', `tensor "${name}" has no leading batch axis; re-export with \`pnet export\``);
  }
  const mapped = dims.map((d, axis) => {
    if (axis === 0) return -1;
    if (d.param === 'num_points') return options.points ?? -1;
    return d.param ? -1 : (d.value ?? 0);
  });
  return { name, dataType: tritonType(value.elemType, name), dims: options.maxBatch > 0 ? mapped.slice(1) : mapped };
}

/** A text-format string literal: quotes, backslashes and control characters escaped, other UTF-8 kept as is. */
export function pbtxtString(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped
  const escaped = s.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    if (c === '\\' || c === '"') return `\\${c}`;
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`;
  });
  return `"${escaped}"`;
}

const list = (dims: number[]) => `[ ${dims.join(', ')} ]`;

function findValue(values: OnnxValueFacts[], name: string, kind: string): OnnxValueFacts {
  const v = values.find((x) => x.name === name);
  if (!v)
    throw new PnetError('BAD_MODEL', `the ONNX graph has no ${kind} "${name}"; it does not follow the pnet contract`);
  return v;
}

function renderTensor(t: TritonTensorSpec, extra: string[] = []): string {
  return [
    '  {',
    `    name: ${pbtxtString(t.name)}`,
    `    data_type: ${t.dataType}`,
    `    dims: ${list(t.dims)}`,
    ...extra.map((l) => `    ${l}`),
    '  }',
  ].join('\n');
}

function batchingComment(options: TritonConfigOptions): string[] {
  if (options.maxBatch === 0) {
    return ['# Batching off: each request carries its own batch axis (the leading -1 in dims) and runs alone.'];
  }
  if (options.points !== undefined) {
    return [
      `# Every request has the same shape (${options.points} points per cloud), so Triton can merge requests into`,
      `# batches of up to ${options.maxBatch} clouds; clients resample each cloud to ${options.points} points.`,
    ];
  }
  return [
    '# Clouds of any point count. Triton merges requests only when their shapes are equal, so clouds of',
    `# different sizes run one by one (up to ${options.maxBatch} equal-size clouds per run); per-point labels are exact.`,
  ];
}

function renderDynamicBatching(options: TritonConfigOptions): string[] {
  if (options.maxBatch === 0) return [];
  if (options.points !== undefined) {
    return [
      '# Equal shapes batch well: wait up to 100 µs for more requests to fill a batch.',
      'dynamic_batching {',
      '  max_queue_delay_microseconds: 100',
      '}',
    ];
  }
  return [
    '# Merges concurrent requests of equal point count; no delay is spent waiting for a matching size.',
    'dynamic_batching { }',
  ];
}

function renderInstanceGroup(options: TritonConfigOptions): string[] {
  const kind = options.instanceKind === 'gpu' ? 'KIND_GPU' : 'KIND_CPU';
  return [
    '# KIND_GPU: `count` instances on every visible GPU (ONNX Runtime CUDA EP); KIND_CPU runs on the host',
    '# CPU (`pnet export --triton … --instance-kind cpu`). More instances let clouds that cannot share a batch',
    '# (different point counts) run side by side.',
    'instance_group [',
    '  {',
    `    kind: ${kind}`,
    `    count: ${options.instances}`,
    '  }',
    ']',
  ];
}

function renderWarmup(input: TritonTensorSpec, options: TritonConfigOptions, trainedPoints: number): string[] {
  const points = options.points ?? trainedPoints;
  const dims = options.maxBatch > 0 ? [points, 3] : [1, points, 3];
  return [
    '# One random cloud per instance at load time, so the first real request does not pay for',
    "# ONNX Runtime's lazy initialisation (memory arenas, CUDA kernels).",
    'model_warmup [',
    '  {',
    `    name: ${pbtxtString(`random_${points}_points`)}`,
    '    batch_size: 1',
    '    inputs {',
    `      key: ${pbtxtString(input.name)}`,
    '      value {',
    `        data_type: ${input.dataType}`,
    `        dims: ${list(dims)}`,
    '        random_data: true',
    '      }',
    '    }',
    '  }',
    ']',
  ];
}

function renderParameters(parameters: Record<string, string>): string[] {
  return [
    "# pnet's model metadata (the ONNX file's pnet.* metadata_props, which Triton does not expose): clients read",
    '# part names, colours and provenance from GET /v2/models/<name>/config. The onnxruntime backend ignores them.',
    'parameters [',
    Object.keys(parameters)
      .sort()
      .map((k) => `  {\n    key: ${pbtxtString(k)}\n    value { string_value: ${pbtxtString(parameters[k]!)} }\n  }`)
      .join(',\n'),
    ']',
  ];
}

/** Builds config.pbtxt and labels.txt for the ONNX file `onnxBytes` (a pnet export). Deterministic. */
export function tritonModelConfig(onnxBytes: Uint8Array, options: TritonConfigOptions): TritonModelConfig {
  let graph: ReturnType<typeof readOnnxGraphSignature>;
  let metadata: Record<string, string>;
  try {
    graph = readOnnxGraphSignature(onnxBytes);
    metadata = readOnnxFacts(onnxBytes).metadata;
  } catch (e) {
    throw new PnetError('BAD_MODEL', `not a readable ONNX model: ${(e as Error).message}`);
  }
  const input = tensorSpec(findValue(graph.inputs, TENSOR_NAMES.points, 'input'), options);
  const probabilities = tensorSpec(findValue(graph.outputs, TENSOR_NAMES.probabilities, 'output'), options);
  const labels = tensorSpec(findValue(graph.outputs, TENSOR_NAMES.labels, 'output'), options);

  const parameters: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) if (key.startsWith(METADATA_PREFIX)) parameters[key] = value;
  let classes: unknown;
  try {
    classes = JSON.parse(parameters[METADATA_KEYS.classes] ?? '');
  } catch {
    throw new PnetError(
      'BAD_MODEL',
      'the ONNX file has no readable pnet.classes metadata; re-export with `pnet export`',
    );
  }
  const classCount = probabilities.dims[probabilities.dims.length - 1];
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string' && c !== '' && !/[\r\n]/.test(c))) {
    throw new PnetError('BAD_MODEL', 'metadata pnet.classes must list non-empty, single-line part names');
  }
  if (classes.length !== classCount) {
    throw new PnetError(
      'BAD_MODEL',
      `metadata pnet.classes names ${classes.length} parts but the model outputs ${classCount}`,
    );
  }
  const trainedPoints = Number(parameters[METADATA_KEYS.numPoints]);

  const configText = [
    '# PointNet part segmentation exported by pnet (`pnet export --triton`) for Triton Inference Server.',
    `# Model file: <version>/${TRITON_MODEL_FILE}; part names in class-index order: ${TRITON_LABELS_FILE}.`,
    `name: ${pbtxtString(options.name)}`,
    `platform: ${pbtxtString(TRITON_PLATFORM)}`,
    ...batchingComment(options),
    `max_batch_size: ${options.maxBatch}`,
    parameters[METADATA_KEYS.normalization] === 'none'
      ? '# xyz per point, float32, already centred on the centroid and scaled into the unit sphere by the client.'
      : '# Raw xyz per point, float32; the graph centres each cloud and scales it into the unit sphere itself.',
    'input [',
    renderTensor(input),
    ']',
    'output [',
    [
      renderTensor(probabilities, [
        '# label_filename belongs on a classification output, whose last axis indexes classes: that is this',
        "# output's class axis, in the order of labels.txt. `labels` holds class indices, not scores, so a label",
        "# file there would be misread. Triton's `classification` request parameter ranks all points × classes of",
        '# a cloud together, so read per-point results from the tensors and use labels.txt as the names table.',
        `label_filename: ${pbtxtString(TRITON_LABELS_FILE)}`,
      ]),
      renderTensor(labels),
    ].join(',\n'),
    ']',
    ...renderDynamicBatching(options),
    ...renderInstanceGroup(options),
    ...(Number.isInteger(trainedPoints) && trainedPoints > 0 ? renderWarmup(input, options, trainedPoints) : []),
    ...renderParameters(parameters),
    '',
  ].join('\n');
  return {
    configText,
    labelsText: classes.join('\n') + '\n',
    input,
    outputs: [probabilities, labels],
    classes: classes as string[],
    parameters,
  };
}
