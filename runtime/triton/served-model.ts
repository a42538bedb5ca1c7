/**
 * What a pnet client needs to know about a model served by Triton, read from its configuration JSON
 * (`GET /v2/models/<name>/config`): the pnet metadata `pnet export --triton` stores in `parameters`, whether
 * Triton batches, how many clouds one request may carry, and whether the point count is fixed.
 */
import { PnetError } from '../../src/core/errors.ts';
import type { ModelInfo } from '../segmenter.ts';
import { METADATA_PREFIX, readModelInfo, TENSOR_NAMES } from '../../src/core/contract.ts';

export interface ServedModel {
  info: ModelInfo;
  /** Config max_batch_size: 0 means Triton does not batch and the batch axis is part of dims. */
  maxBatchSize: number;
  /** Points per cloud the model accepts, or undefined for any count. */
  fixedPoints?: number;
  /** `triton-gpu`, `triton-cpu` or `triton` (kind not stated / mixed). */
  executionProvider: string;
}

interface ConfigTensor {
  name?: unknown;
  data_type?: unknown;
  dims?: unknown;
}

/** Protobuf's JSON mapping writes 64-bit integers as strings; Triton may write numbers. Both are accepted. */
function integer(v: unknown): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? n : NaN;
}

function dims(t: ConfigTensor): number[] {
  return Array.isArray(t.dims) ? t.dims.map(integer) : [];
}

export function readServedModel(config: unknown, source: string): ServedModel {
  const bad = (message: string) =>
    new PnetError('BAD_MODEL', message, {
      file: source,
      remedy: 'serve a model repository written by `pnet export --triton` (its config carries the pnet metadata)',
    });
  if (config === null || typeof config !== 'object') throw bad('the model configuration is not a JSON object');
  const c = config as Record<string, unknown>;

  const metadata: Record<string, string> = {};
  const parameters = (c.parameters ?? {}) as Record<string, { string_value?: unknown }>;
  for (const [key, p] of Object.entries(parameters)) {
    if (key.startsWith(METADATA_PREFIX) && typeof p?.string_value === 'string') metadata[key] = p.string_value;
  }
  const info = readModelInfo(metadata, source);

  const maxBatchSize = integer(c.max_batch_size ?? 0);
  if (!(maxBatchSize >= 0)) throw bad(`max_batch_size must be an integer ≥ 0, got ${JSON.stringify(c.max_batch_size)}`);
  const batchAxis = maxBatchSize > 0 ? [] : [-1];
  const find = (list: unknown, name: string, kind: string): ConfigTensor => {
    const t = Array.isArray(list) ? (list as ConfigTensor[]).find((x) => x?.name === name) : undefined;
    if (!t) throw bad(`the model has no ${kind} "${name}"`);
    return t;
  };
  const input = find(c.input, TENSOR_NAMES.points, 'input');
  const probabilities = find(c.output, TENSOR_NAMES.probabilities, 'output');
  const labels = find(c.output, TENSOR_NAMES.labels, 'output');
  const expectType = (t: ConfigTensor, type: string) => {
    if (t.data_type !== type) throw bad(`"${t.name}" has data_type ${String(t.data_type)}, expected ${type}`);
  };
  expectType(input, 'TYPE_FP32');
  expectType(probabilities, 'TYPE_FP32');
  expectType(labels, 'TYPE_INT64');

  const inputDims = dims(input);
  const points = inputDims[batchAxis.length];
  const classes = info.classes.length;
  const expected = {
    input: [...batchAxis, points, 3],
    probabilities: [...batchAxis, points, classes],
    labels: [...batchAxis, points],
  };
  const layoutOk =
    points !== undefined &&
    (points === -1 || points >= 1) &&
    inputDims.join() === expected.input.join() &&
    dims(probabilities).join() === expected.probabilities.join() &&
    dims(labels).join() === expected.labels.join();
  if (!layoutOk) {
    throw bad(
      `dims do not follow the pnet layout for max_batch_size ${maxBatchSize} and ${classes} classes: ` +
        `points [${inputDims}], probabilities [${dims(probabilities)}], labels [${dims(labels)}]`,
    );
  }

  const kinds = new Set(
    (Array.isArray(c.instance_group) ? c.instance_group : []).map((g: { kind?: unknown }) => g?.kind ?? 'KIND_AUTO'),
  );
  const only = kinds.size === 1 ? [...kinds][0] : undefined;
  const executionProvider = only === 'KIND_GPU' ? 'triton-gpu' : only === 'KIND_CPU' ? 'triton-cpu' : 'triton';
  return { info, maxBatchSize, fixedPoints: points === -1 ? undefined : points, executionProvider };
}
