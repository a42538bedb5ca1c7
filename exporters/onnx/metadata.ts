/** The `metadata_props` every pnet ONNX file carries: what runtimes need to label, colour and trust results. */
import type { CheckpointMeta } from '../../src/checkpoint/format.ts';
import { PNET_VERSION } from '../../src/version.ts';

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
  /** Weight/compute precision of the graph body ("float32" or "float16"); inputs and outputs are float32. */
  precision: 'pnet.precision',
} as const;

export interface MetadataEntry {
  key: string;
  value: string;
}

/** Key-sorted metrics, so the same checkpoint always yields the same JSON text. */
function stableMetrics(metrics: Record<string, number>): string {
  return JSON.stringify(Object.fromEntries(Object.keys(metrics).sort().map((k) => [k, metrics[k]])));
}

export function pnetMetadata(
  meta: CheckpointMeta,
  checkpointSha256: string,
  options: { normalize: boolean; precision: 'float32' | 'float16' },
): MetadataEntry[] {
  const entries: Array<[string, string]> = [
    [METADATA_KEYS.category, JSON.stringify(meta.category)],
    [METADATA_KEYS.classes, JSON.stringify(meta.classes.names)],
    [METADATA_KEYS.colors, JSON.stringify(meta.classes.colors)],
    [METADATA_KEYS.preset, meta.preset.name],
    [METADATA_KEYS.numPoints, String(meta.numPoints)],
    [METADATA_KEYS.normalization, options.normalize ? meta.normalization : 'none'],
    [METADATA_KEYS.metrics, stableMetrics(meta.metrics ?? {})],
    [METADATA_KEYS.version, PNET_VERSION],
    [METADATA_KEYS.checkpointSha256, checkpointSha256],
    [METADATA_KEYS.precision, options.precision],
  ];
  return entries.map(([key, value]) => ({ key, value }));
}
