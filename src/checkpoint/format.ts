/**
 * The checkpoint file: one self-verifying binary file, written atomically.
 *
 *   "PNETCKPT" | u32 version | u32 headerBytes | header JSON (utf8) | zero pad to 4 | float32 LE tensors | sha256
 *
 * The sha256 trailer covers everything before it, so a file cut short or damaged anywhere is rejected with a
 * clear error instead of loading garbage. Tensors are weights (names from src/model/spec.ts) plus any optimizer
 * slots (names prefixed `optimizer/`).
 *
 * Browser-safe (a page trains and exports with it): the bytes only, hashed with WebCrypto, which Node has too;
 * files.ts reads and writes them on disk.
 */
import { PnetError } from '../core/errors.ts';
import { sha256, sha256Hex } from '../core/sha256.ts';
import {
  modelArchitecture,
  type ModelArchitecture,
  type NamedArray,
  type PresetSpec,
  type WeightMap,
} from '../model/spec.ts';

const MAGIC = 'PNETCKPT';
/** Tensors under this prefix are Adam slots, not weights: only training reads them. */
export const OPTIMIZER_PREFIX = 'optimizer/';
const FORMAT_VERSION = 1;
const HASH_BYTES = 32;

export interface ClassInfo {
  /** Part names in class-index order; the last is `none` for points of no part when the data has such points. */
  names: string[];
  /** CSS colours (#rrggbb), one per class. */
  colors: string[];
}

export interface CheckpointMeta {
  pnetVersion: string;
  preset: PresetSpec;
  classes: ClassInfo;
  /** Category (or categories) the model was trained on, as named in the dataset metadata. */
  category: string[];
  /** Points per cloud during training. */
  numPoints: number;
  /** Preprocessing the model expects: centre on the centroid, scale into the unit sphere. */
  normalization: 'unit-sphere';
  /** Completed epochs. */
  epoch: number;
  /** Completed optimizer steps. */
  step: number;
  /** Training configuration (CLI options after defaults), for resume and provenance. */
  config: Record<string, unknown>;
  /** Latest metrics, e.g. { val_miou, val_accuracy, train_loss }. */
  metrics: Record<string, number>;
  /** Anything else a trainer must restore to continue bit-for-bit (RNG states, best score, …). */
  state: Record<string, unknown>;
}

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

interface Header {
  format: 'pnet-checkpoint';
  meta: CheckpointMeta;
  tensors: TensorEntry[];
}

export interface Checkpoint {
  meta: CheckpointMeta;
  tensors: NamedArray[];
}

export async function encodeCheckpoint(ckpt: Checkpoint): Promise<Uint8Array> {
  let offset = 0;
  const entries: TensorEntry[] = ckpt.tensors.map((t) => {
    const e = { name: t.name, shape: t.shape, offset, length: t.data.length };
    offset += t.data.length;
    return e;
  });
  const header: Header = { format: 'pnet-checkpoint', meta: ckpt.meta, tensors: entries };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const headerEnd = 16 + headerBytes.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const total = dataStart + offset * 4 + HASH_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, 16);
  const floats = new Float32Array(out.buffer, dataStart, offset);
  for (let i = 0; i < ckpt.tensors.length; i++) floats.set(ckpt.tensors[i]!.data, entries[i]!.offset);
  if (new Uint8Array(new Float32Array([1]).buffer)[3] !== 0x3f) throw new Error('big-endian hosts are not supported');
  out.set(await sha256(out.subarray(0, total - HASH_BYTES)), total - HASH_BYTES);
  return out;
}

export async function decodeCheckpoint(bytes: Uint8Array, file = '<memory>'): Promise<Checkpoint> {
  const bad = (why: string) =>
    new PnetError('BAD_CHECKPOINT', `not a loadable pnet checkpoint: ${why}`, {
      file,
      remedy: "use the run directory's other checkpoint (best.ckpt / last.ckpt) or train again",
    });
  if (bytes.length < 16 + HASH_BYTES || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw bad('missing PNETCKPT header');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) throw bad(`format version ${version}, this pnet reads ${FORMAT_VERSION}`);
  const body = bytes.subarray(0, bytes.length - HASH_BYTES);
  const expected = await sha256(body);
  const stored = bytes.subarray(bytes.length - HASH_BYTES);
  if (!expected.every((b, i) => b === stored[i])) {
    throw bad('checksum mismatch (the file is truncated or damaged)');
  }
  const headerLength = view.getUint32(12, true);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength))) as Header;
  } catch {
    throw bad('header is not valid JSON');
  }
  const dataStart = Math.ceil((16 + headerLength) / 4) * 4;
  // Copy into a fresh, aligned buffer: a Node Buffer's slice() is a view whose .buffer starts at the file's byte 0.
  const data = new Uint8Array(bytes.length - HASH_BYTES - dataStart);
  data.set(bytes.subarray(dataStart, bytes.length - HASH_BYTES));
  const floats = new Float32Array(data.buffer);
  const tensors = header.tensors.map((e) => {
    if (e.offset + e.length > floats.length) throw bad(`tensor ${e.name} runs past the end of the data`);
    return { name: e.name, shape: e.shape, data: floats.slice(e.offset, e.offset + e.length) };
  });
  // A checkpoint of a diverged run (written before training checked every step) is intact but useless: every
  // export and prediction from it would be NaN. Refuse it here, once, for every command.
  for (const t of tensors) {
    if (!t.data.every(Number.isFinite)) throw bad(`tensor ${t.name} holds NaN or infinite values (the run diverged)`);
  }
  return { meta: header.meta, tensors };
}

/** The weights among a checkpoint's tensors, by spec name (optimizer slots left out). */
export function modelWeights(tensors: Iterable<NamedArray>): WeightMap {
  const weights: WeightMap = new Map();
  for (const t of tensors) if (!t.name.startsWith(OPTIMIZER_PREFIX)) weights.set(t.name, t);
  return weights;
}

/**
 * The model a checkpoint holds: its architecture (from the recorded preset and classes) and its weights. Every reader
 * of checkpoints (TF.js loading, the exporters, parity) comes through here, so they agree on what a checkpoint means.
 */
export function checkpointModel(
  ckpt: Checkpoint,
  file = '<memory>',
): { architecture: ModelArchitecture; weights: WeightMap; meta: CheckpointMeta } {
  const { meta } = ckpt;
  if (!meta?.preset || !Array.isArray(meta.classes?.names)) {
    throw new PnetError('BAD_CHECKPOINT', 'checkpoint metadata lacks the preset or the class names', { file });
  }
  return {
    architecture: modelArchitecture(meta.preset, meta.classes.names.length),
    weights: modelWeights(ckpt.tensors),
    meta,
  };
}

/** sha256 of the checkpoint file bytes, recorded by exports as provenance. */
export function checkpointHash(bytes: Uint8Array): Promise<string> {
  return sha256Hex(bytes);
}
