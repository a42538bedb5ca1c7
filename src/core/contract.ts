/**
 * The ONNX contract between training and every runtime (README "The ONNX contract"), written once: the graph's
 * tensor names and the pnet.* metadata_props, both how the exporter writes them and how runtimes read and validate
 * them, so a foreign or half-written model fails with one clear line. Browser-safe.
 */
import { isOneOf } from './validate.ts';
import { bounded, PnetError, quote } from './errors.ts';
import { readOnnxFacts, type OnnxFileFacts } from './onnx-facts.ts';

/** Graph tensor names: raw xyz in; per-class probabilities and per-point labels out. */
export const TENSOR_NAMES = {
  /** float32 [batch, num_points, 3], raw coordinates (the graph normalises them itself). */
  points: 'points',
  /** float32 [batch, num_points, classes]. */
  probabilities: 'probabilities',
  /** int64 [batch, num_points]. */
  labels: 'labels',
} as const;

/** Every pnet key of metadata_props starts with this (Triton's config parameters carry the same keys). */
export const METADATA_PREFIX = 'pnet.';

export const METADATA_KEYS = {
  category: 'pnet.category',
  classes: 'pnet.classes',
  colors: 'pnet.colors',
  preset: 'pnet.preset',
  numPoints: 'pnet.num_points',
  normalization: 'pnet.normalization',
  metrics: 'pnet.metrics',
  version: 'pnet.version',
  checkpointSha256: 'pnet.checkpoint_sha256',
  /** Weight/compute precision of the graph body ("float32", "float16" or "int8"); inputs and outputs are float32. */
  precision: 'pnet.precision',
  /** int8 files only: how the activation ranges were calibrated (JSON: method, clouds, data, activation type). */
  calibration: 'pnet.calibration',
} as const;

/** Keys a runtime requires; `precision` is informational (older files lack it). */
export const PNET_METADATA_KEYS = [
  METADATA_KEYS.category,
  METADATA_KEYS.classes,
  METADATA_KEYS.colors,
  METADATA_KEYS.preset,
  METADATA_KEYS.numPoints,
  METADATA_KEYS.normalization,
  METADATA_KEYS.metrics,
  METADATA_KEYS.version,
  METADATA_KEYS.checkpointSha256,
] as const;

/** Model facts read from the ONNX file's metadata_props. */
export interface ModelInfo {
  category: string[];
  /** Class names, class-index order. */
  classes: string[];
  /** #rrggbb per class. */
  colors: string[];
  preset: string;
  numPoints: number;
  normalization: 'unit-sphere' | 'none';
  metrics: Record<string, number>;
  version: string;
  checkpointSha256: string;
  /** Precision of the graph body; files written before pnet.precision existed read as float32. */
  precision: ModelPrecision;
}

export const MODEL_PRECISIONS = ['float32', 'float16', 'int8'] as const;
export type ModelPrecision = (typeof MODEL_PRECISIONS)[number];

export interface MetadataEntry {
  key: string;
  value: string;
}

/** Key-sorted metrics, so the same checkpoint always yields the same JSON text. */
function stableMetrics(metrics: Record<string, number>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(metrics)
        .sort()
        .map((k) => [k, metrics[k]]),
    ),
  );
}

/** The metadata_props an exported file carries; readModelInfo is its inverse. */
export function writeModelMetadata(info: ModelInfo): MetadataEntry[] {
  const entries: Array<[string, string]> = [
    [METADATA_KEYS.category, JSON.stringify(info.category)],
    [METADATA_KEYS.classes, JSON.stringify(info.classes)],
    [METADATA_KEYS.colors, JSON.stringify(info.colors)],
    [METADATA_KEYS.preset, info.preset],
    [METADATA_KEYS.numPoints, String(info.numPoints)],
    [METADATA_KEYS.normalization, info.normalization],
    [METADATA_KEYS.metrics, stableMetrics(info.metrics)],
    [METADATA_KEYS.version, info.version],
    [METADATA_KEYS.checkpointSha256, info.checkpointSha256],
    [METADATA_KEYS.precision, info.precision],
  ];
  return entries.map(([key, value]) => ({ key, value }));
}

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

function bad(file: string | undefined, message: string): PnetError {
  return new PnetError('BAD_MODEL', message, {
    file,
    remedy: 'export the model with `pnet export` (it writes the pnet.* metadata every runtime reads)',
  });
}

function parseJson(metadata: Record<string, string>, key: string, file: string | undefined): unknown {
  try {
    return JSON.parse(metadata[key]!);
  } catch {
    throw bad(file, `metadata ${key} is not valid JSON: ${quote(metadata[key]!, 60)}`);
  }
}

function stringArray(metadata: Record<string, string>, key: string, file: string | undefined): string[] {
  const v = parseJson(metadata, key, file);
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw bad(file, `metadata ${key} must be a JSON array of strings`);
  }
  return v as string[];
}

/** `file` is only used to name the model in errors. */
export function readModelInfo(metadata: Record<string, string>, file?: string): ModelInfo {
  const present = PNET_METADATA_KEYS.filter((k) => k in metadata);
  if (present.length === 0) {
    throw bad(file, 'not a pnet model: it has no pnet.* metadata');
  }
  const missing = PNET_METADATA_KEYS.filter((k) => !(k in metadata));
  if (missing.length > 0) {
    throw bad(file, `pnet model metadata is incomplete: missing ${missing.join(', ')}`);
  }
  const category = stringArray(metadata, METADATA_KEYS.category, file);
  // The category picks the parts a cloud is predicted and scored on (--eval); without one that choice is silent.
  if (category.length === 0 || category.some((c) => c.trim() === '')) {
    throw bad(
      file,
      `metadata pnet.category must name at least one category, got ${bounded(metadata[METADATA_KEYS.category]!)}`,
    );
  }
  const classes = stringArray(metadata, METADATA_KEYS.classes, file);
  const colors = stringArray(metadata, METADATA_KEYS.colors, file);
  if (classes.length < 2) throw bad(file, `metadata pnet.classes names ${classes.length} class(es); at least 2 needed`);
  if (colors.length !== classes.length) {
    throw bad(file, `metadata pnet.colors has ${colors.length} colours for ${classes.length} classes`);
  }
  const badColor = colors.find((c) => !HEX_COLOR.test(c));
  if (badColor !== undefined) throw bad(file, `metadata pnet.colors: ${quote(badColor)} is not a #rrggbb colour`);
  const numPoints = Number(metadata[METADATA_KEYS.numPoints]);
  if (!Number.isInteger(numPoints) || numPoints <= 0) {
    throw bad(
      file,
      `metadata pnet.num_points must be a positive integer, got ${quote(metadata[METADATA_KEYS.numPoints]!)}`,
    );
  }
  const normalization = metadata[METADATA_KEYS.normalization];
  if (normalization !== 'unit-sphere' && normalization !== 'none') {
    throw bad(file, `metadata pnet.normalization must be "unit-sphere" or "none", got ${quote(String(normalization))}`);
  }
  const metrics = parseJson(metadata, METADATA_KEYS.metrics, file);
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) {
    throw bad(file, 'metadata pnet.metrics must be a JSON object');
  }
  const precision = metadata[METADATA_KEYS.precision] ?? 'float32';
  if (!isOneOf(precision, MODEL_PRECISIONS)) {
    throw bad(file, `metadata pnet.precision must be one of ${MODEL_PRECISIONS.join(', ')}, got ${quote(precision)}`);
  }
  return {
    category,
    classes,
    colors: colors.map((c) => c.toLowerCase()),
    preset: metadata[METADATA_KEYS.preset]!,
    numPoints,
    normalization,
    metrics: Object.fromEntries(
      Object.entries(metrics as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number'),
    ),
    version: metadata[METADATA_KEYS.version]!,
    checkpointSha256: metadata[METADATA_KEYS.checkpointSha256]!,
    precision,
  };
}

/** Reads and validates the pnet metadata of ONNX bytes; malformed protobuf is a BAD_MODEL naming `file`. */
export function readModelInfoFromOnnx(bytes: Uint8Array, file?: string): ModelInfo {
  let facts: OnnxFileFacts;
  try {
    facts = readOnnxFacts(bytes);
  } catch (e) {
    throw new PnetError('BAD_MODEL', `not a readable ONNX model: ${(e as Error).message}`, { file, cause: e });
  }
  return readModelInfo(facts.metadata, file);
}
