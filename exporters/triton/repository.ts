/**
 * Writes one model into a Triton model repository:
 *
 *   REPO/<name>/config.pbtxt      model configuration (text protobuf)
 *   REPO/<name>/labels.txt        part names, one per line, class-index order
 *   REPO/<name>/<version>/model.onnx
 *
 * The version folder is assembled under a dot-named temp folder beside it (Triton ignores non-numeric folders) and
 * renamed into place, so a polling server never sees half a version; the two model-level files are written
 * atomically after it. An existing version is replaced only when asked to.
 *
 * config.pbtxt and labels.txt are model-wide: Triton checks every version it loads against the one config, and
 * clients (pnet's own included) read the part names from it whichever version they address. So every version in
 * the folder must share one contract (tensors, classes in order, colours, category, normalisation), and a version
 * whose contract differs is refused rather than served under another version's labels; the model-wide files are
 * built from the highest version, the one Triton's default version policy serves, so exporting an older version
 * never rewrites them with its provenance.
 */
import { pathExists } from '../../src/core/node/path-exists.ts';
import { checkOneOf, checkPositiveInt } from '../../src/core/validate.ts';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { writeFileAtomic } from '../../src/core/node/atomic-write.ts';
import { PnetError } from '../../src/core/errors.ts';
import { METADATA_KEYS } from '../../src/core/contract.ts';
import { readOnnxFacts } from '../../src/core/onnx-facts.ts';
import {
  INSTANCE_KINDS,
  TRITON_LABELS_FILE,
  TRITON_MODEL_FILE,
  tritonModelConfig,
  type InstanceKind,
  type TritonConfigOptions,
  type TritonModelConfig,
} from './model-config.ts';

export interface TritonRepositoryOptions {
  /** Default: `pnet_<category>` from the model metadata, e.g. pnet_airplane. */
  name?: string;
  /** Positive integer; default 1. */
  version?: number;
  /** Default 8; 0 turns Triton's batching off. */
  maxBatch?: number;
  points?: number;
  /** Default gpu. */
  instanceKind?: InstanceKind;
  /** Default 1. */
  instances?: number;
  /** Replace an existing version. */
  force?: boolean;
}

export interface TritonRepositoryReport {
  repository: string;
  name: string;
  version: number;
  /** The highest version in the folder: the one Triton serves by default, and the source of the model-wide files. */
  servedVersion: number;
  modelDir: string;
  configPath: string;
  labelsPath: string;
  modelPath: string;
  /** Whether an existing version was replaced (--force). */
  replaced: boolean;
  config: TritonModelConfig;
  options: TritonConfigOptions;
}

export const DEFAULT_TRITON_MAX_BATCH = 8;

/** Triton model names become folder names and URL path segments. */
const MODEL_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

function badArgument(message: string, remedy?: string): PnetError {
  return new PnetError('BAD_ARGUMENT', message, { remedy });
}

/** Validates the user's options (flag names in messages are the CLI's). */
export function checkTritonOptions(options: TritonRepositoryOptions): void {
  if (options.name !== undefined && !MODEL_NAME.test(options.name)) {
    throw badArgument(
      `--name "${options.name}" is not a valid Triton model name`,
      'use letters, digits, "_", "-" and "." only, not starting with "."',
    );
  }
  // Triton reads version folders as int64; past 2^53 a JavaScript number no longer names one folder exactly.
  if (options.version !== undefined && !(Number.isSafeInteger(options.version) && options.version >= 1)) {
    throw badArgument(
      `--version must be a positive integer, got ${options.version} (at most ${Number.MAX_SAFE_INTEGER})`,
      'Triton reads version folders as int64 and pnet counts them exactly only up to 2^53 − 1',
    );
  }
  const { maxBatch } = options;
  if (maxBatch !== undefined && !(Number.isInteger(maxBatch) && maxBatch >= 0)) {
    throw badArgument(`--max-batch must be an integer ≥ 0 (0 turns batching off), got ${maxBatch}`);
  }
  checkPositiveInt('--points', options.points);
  checkPositiveInt('--instances', options.instances);
  if (options.instanceKind !== undefined) checkOneOf('--instance-kind', options.instanceKind, INSTANCE_KINDS);
}

/** `pnet_` + the category names, lower-cased, anything a model name cannot hold replaced by `_`. */
export function defaultModelName(category: string[]): string {
  const base = category
    .join('_')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '_');
  return `pnet_${base || 'model'}`;
}

function modelCategory(onnxBytes: Uint8Array): string[] {
  try {
    const category: unknown = JSON.parse(readOnnxFacts(onnxBytes).metadata[METADATA_KEYS.category] ?? '[]');
    return Array.isArray(category) ? category.map(String) : [];
  } catch {
    return [];
  }
}

/** Triton takes a model's numeric folders as its versions. */
const VERSION_FOLDER = /^[0-9]+$/;

interface ExistingVersion {
  version: number;
  modelPath: string;
  config: TritonModelConfig;
}

/** What every version sharing one config.pbtxt and labels.txt must agree on. */
function contractOf(config: TritonModelConfig): Record<string, string> {
  const p = config.parameters;
  return {
    tensors: JSON.stringify([config.input, ...config.outputs]),
    classes: JSON.stringify(config.classes),
    colors: p[METADATA_KEYS.colors] ?? '',
    category: p[METADATA_KEYS.category] ?? '',
    normalization: p[METADATA_KEYS.normalization] ?? '',
  };
}

/** The versions already in `modelDir` (but `replacing`), each read and described with this export's options. */
async function existingVersions(
  modelDir: string,
  replacing: number,
  configOptions: TritonConfigOptions,
): Promise<ExistingVersion[]> {
  let names: string[];
  try {
    names = await readdir(modelDir);
  } catch {
    return [];
  }
  const out: ExistingVersion[] = [];
  for (const name of names.filter((n) => VERSION_FOLDER.test(n))) {
    const version = Number(name);
    if (version === replacing) continue;
    const modelPath = path.join(modelDir, name, TRITON_MODEL_FILE);
    const cannotCheck = (why: string) =>
      new PnetError('BAD_MODEL', `version ${name} of model "${configOptions.name}" ${why}`, {
        file: modelPath,
        remedy:
          'the model-wide config.pbtxt and labels.txt must fit every version: remove that folder, or use another --name',
      });
    let bytes: Uint8Array;
    try {
      bytes = await readFile(modelPath);
    } catch (e) {
      throw cannotCheck(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    let config: TritonModelConfig;
    try {
      config = tritonModelConfig(bytes, configOptions);
    } catch (e) {
      throw cannotCheck(`is not a pnet model: ${(e as Error).message}`);
    }
    out.push({ version, modelPath, config });
  }
  return out;
}

/** Refuses an export whose contract differs from a version already served under the same config. */
function checkSameContract(config: TritonModelConfig, version: number, others: ExistingVersion[], name: string): void {
  const mine = contractOf(config);
  for (const other of others) {
    const theirs = contractOf(other.config);
    const differing = Object.keys(mine).filter((k) => mine[k] !== theirs[k]);
    if (differing.length === 0) continue;
    const what = differing
      .map((k) => (k === 'tensors' ? 'tensor shapes' : `${k} ${theirs[k]} there, ${mine[k]} here`))
      .join('; ');
    throw new PnetError(
      'BAD_ARGUMENT',
      `version ${version} would not fit model "${name}": version ${other.version} has another contract (${what}), ` +
        'and all versions of a Triton model share one config.pbtxt and labels.txt',
      {
        file: other.modelPath,
        remedy: 'export it under another --name, or remove the other version first',
      },
    );
  }
}

/** Writes `onnxBytes` (a pnet ONNX export) into the repository at `repoDir`. */
export async function writeTritonRepository(
  onnxBytes: Uint8Array,
  repoDir: string,
  options: TritonRepositoryOptions = {},
): Promise<TritonRepositoryReport> {
  checkTritonOptions(options);
  const configOptions: TritonConfigOptions = {
    name: options.name ?? defaultModelName(modelCategory(onnxBytes)),
    maxBatch: options.maxBatch ?? DEFAULT_TRITON_MAX_BATCH,
    points: options.points,
    instanceKind: options.instanceKind ?? 'gpu',
    instances: options.instances ?? 1,
  };
  const version = options.version ?? 1;
  const config = tritonModelConfig(onnxBytes, configOptions);

  const modelDir = path.join(repoDir, configOptions.name);
  const versionDir = path.join(modelDir, String(version));
  const replaced = await pathExists(versionDir);
  if (replaced && !options.force) {
    throw new PnetError('BAD_ARGUMENT', `version ${version} of model "${configOptions.name}" already exists`, {
      file: versionDir,
      remedy: `pass --force to replace it, or choose another --version`,
    });
  }

  const others = await existingVersions(modelDir, version, configOptions);
  checkSameContract(config, version, others, configOptions.name);
  const highest = others.reduce<ExistingVersion | undefined>(
    (top, v) => (v.version > (top?.version ?? version) ? v : top),
    undefined,
  );

  await mkdir(modelDir, { recursive: true });
  const suffix = randomBytes(6).toString('hex');
  const staging = path.join(modelDir, `.version-${version}.${suffix}.tmp`);
  const retired = path.join(modelDir, `.version-${version}.${suffix}.old`);
  try {
    await mkdir(staging);
    await writeFileAtomic(path.join(staging, TRITON_MODEL_FILE), onnxBytes);
    if (replaced) await rename(versionDir, retired);
    await rename(staging, versionDir);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    if (replaced && !(await pathExists(versionDir)) && (await pathExists(retired))) await rename(retired, versionDir);
    throw e;
  }
  await rm(retired, { recursive: true, force: true });

  const labelsPath = path.join(modelDir, TRITON_LABELS_FILE);
  const configPath = path.join(modelDir, 'config.pbtxt');
  const served = highest?.config ?? config;
  await writeFileAtomic(labelsPath, served.labelsText);
  await writeFileAtomic(configPath, served.configText);
  return {
    repository: repoDir,
    name: configOptions.name,
    version,
    servedVersion: highest?.version ?? version,
    modelDir,
    configPath,
    labelsPath,
    modelPath: path.join(versionDir, TRITON_MODEL_FILE),
    replaced,
    config: served,
    options: configOptions,
  };
}
