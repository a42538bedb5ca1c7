/**
 * Validates the pnet metadata contract of an ONNX file (README "The ONNX contract") and turns it into a ModelInfo.
 * Every runtime calls this before running a model, so a foreign or half-written model fails with one clear line.
 */
import { PnetError } from '../../src/errors.ts';
import type { ModelInfo } from '../segmenter.ts';
import { readOnnxFacts } from './onnx-metadata.ts';

export const PNET_METADATA_KEYS = [
  'pnet.category',
  'pnet.classes',
  'pnet.colors',
  'pnet.preset',
  'pnet.num_points',
  'pnet.normalization',
  'pnet.metrics',
  'pnet.version',
  'pnet.checkpoint_sha256',
] as const;

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
    throw bad(file, `metadata ${key} is not valid JSON: ${JSON.stringify(metadata[key]!.slice(0, 60))}`);
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
  const category = stringArray(metadata, 'pnet.category', file);
  const classes = stringArray(metadata, 'pnet.classes', file);
  const colors = stringArray(metadata, 'pnet.colors', file);
  if (classes.length < 2) throw bad(file, `metadata pnet.classes names ${classes.length} class(es); at least 2 needed`);
  if (colors.length !== classes.length) {
    throw bad(file, `metadata pnet.colors has ${colors.length} colours for ${classes.length} classes`);
  }
  const badColor = colors.find((c) => !HEX_COLOR.test(c));
  if (badColor !== undefined) throw bad(file, `metadata pnet.colors: "${badColor}" is not a #rrggbb colour`);
  const numPoints = Number(metadata['pnet.num_points']);
  if (!Number.isInteger(numPoints) || numPoints <= 0) {
    throw bad(file, `metadata pnet.num_points must be a positive integer, got "${metadata['pnet.num_points']}"`);
  }
  const normalization = metadata['pnet.normalization'];
  if (normalization !== 'unit-sphere' && normalization !== 'none') {
    throw bad(file, `metadata pnet.normalization must be "unit-sphere" or "none", got "${normalization}"`);
  }
  const metrics = parseJson(metadata, 'pnet.metrics', file);
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) {
    throw bad(file, 'metadata pnet.metrics must be a JSON object');
  }
  return {
    category,
    classes,
    colors: colors.map((c) => c.toLowerCase()),
    preset: metadata['pnet.preset']!,
    numPoints,
    normalization,
    metrics: Object.fromEntries(
      Object.entries(metrics as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number'),
    ),
    version: metadata['pnet.version']!,
    checkpointSha256: metadata['pnet.checkpoint_sha256']!,
  };
}

/** Reads and validates the pnet metadata of ONNX bytes; malformed protobuf is a BAD_MODEL naming `file`. */
export function readModelInfoFromOnnx(bytes: Uint8Array, file?: string): ModelInfo {
  let facts;
  try {
    facts = readOnnxFacts(bytes);
  } catch (e) {
    throw new PnetError('BAD_MODEL', `not a readable ONNX model: ${(e as Error).message}`, { file, cause: e });
  }
  return readModelInfo(facts.metadata, file);
}
