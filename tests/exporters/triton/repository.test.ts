/**
 * The Triton repository entry: config.pbtxt read back strictly against Triton's schema (every field checked), dims
 * against the ONNX graph in model.onnx, labels.txt, atomic and deterministic writing, and option validation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildOnnxModel, decodeOnnx, describeOnnx } from '../../../exporters/onnx/index.ts';
import { onnx } from '../../../exporters/onnx/onnx-proto.ts';
import { writeTritonRepository, type TritonRepositoryOptions } from '../../../exporters/triton/index.ts';
import { parseTextFormat } from './pbtxt.ts';
import { modelConfigType } from './model-config-schema.ts';
import { isPnetError } from '../../../src/core/errors.ts';
import { SYNTH_CLASSES, tinyModel } from '../../helpers/tiny-model.ts';

let dir: string;
let onnxBytes: Uint8Array;
let pnetParameters: Record<string, { string_value: string }>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnet-triton-repo-'));
  onnxBytes = buildOnnxModel({
    ...tinyModel({ seed: 21, classes: SYNTH_CLASSES, weights: 'perturbed' }),
    checkpointSha256: 'f'.repeat(64),
  });
  const metadata = describeOnnx(onnxBytes).metadata;
  pnetParameters = Object.fromEntries(
    Object.entries(metadata)
      .filter(([k]) => k.startsWith('pnet.'))
      .map(([k, v]) => [k, { string_value: v }]),
  );
  expect(Object.keys(pnetParameters).length).toBeGreaterThanOrEqual(10);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readConfig(modelDir: string): Promise<Record<string, unknown>> {
  const file = path.join(modelDir, 'config.pbtxt');
  const T = modelConfigType();
  return T.toObject(parseTextFormat(await readFile(file, 'utf8'), T, file), { longs: Number, enums: String }) as Record<
    string,
    unknown
  >;
}

/** ONNX value dims as Triton sees them: symbolic → -1 (or the fixed point count), batch axis dropped when batching. */
function onnxDims(
  modelBytes: Uint8Array,
  name: string,
  batching: boolean,
  points?: number,
): { type: number; dims: number[] } {
  const graph = decodeOnnx(modelBytes).graph!;
  const v = [...graph.input!, ...graph.output!].find((x) => x.name === name)!;
  const dims = v.type!.tensorType!.shape!.dim!.map((d) =>
    d.dimParam === 'num_points' && points !== undefined ? points : d.dimParam ? -1 : Number(d.dimValue),
  );
  return { type: v.type!.tensorType!.elemType!, dims: batching ? dims.slice(1) : dims };
}

const warmup = (dims: number[]) => [
  {
    name: `random_${dims[dims.length - 2]}_points`,
    batch_size: 1,
    inputs: { points: { data_type: 'TYPE_FP32', dims, random_data: true } },
  },
];

describe('writeTritonRepository', () => {
  it('writes config.pbtxt, labels.txt and <version>/model.onnx; the config parses strictly and says what it should', async () => {
    const repo = path.join(dir, 'default');
    const report = await writeTritonRepository(onnxBytes, repo);
    expect(report.name).toBe('pnet_airplane');
    expect(report.version).toBe(1);
    const modelDir = path.join(repo, 'pnet_airplane');
    expect((await readdir(modelDir)).sort()).toEqual(['1', 'config.pbtxt', 'labels.txt']);
    expect(await readdir(path.join(modelDir, '1'))).toEqual(['model.onnx']);
    expect(Buffer.compare(await readFile(path.join(modelDir, '1', 'model.onnx')), onnxBytes)).toBe(0);
    expect(await readFile(path.join(modelDir, 'labels.txt'), 'utf8')).toBe(SYNTH_CLASSES.names.join('\n') + '\n');

    expect(await readConfig(modelDir)).toEqual({
      name: 'pnet_airplane',
      platform: 'onnxruntime_onnx',
      max_batch_size: 8,
      input: [{ name: 'points', data_type: 'TYPE_FP32', dims: [-1, 3] }],
      output: [
        {
          name: 'probabilities',
          data_type: 'TYPE_FP32',
          dims: [-1, SYNTH_CLASSES.names.length],
          label_filename: 'labels.txt',
        },
        { name: 'labels', data_type: 'TYPE_INT64', dims: [-1] },
      ],
      dynamic_batching: {},
      instance_group: [{ kind: 'KIND_GPU', count: 1 }],
      model_warmup: warmup([1024, 3]),
      parameters: pnetParameters,
    });
  });

  const variants: Array<[string, TritonRepositoryOptions, Record<string, unknown>]> = [
    [
      'fixed point count, CPU instances',
      { name: 'fixed', points: 512, maxBatch: 16, instanceKind: 'cpu', instances: 3 },
      {
        max_batch_size: 16,
        dims: { points: [512, 3], probabilities: [512, 5], labels: [512] },
        dynamic_batching: { max_queue_delay_microseconds: 100 },
        instance_group: [{ kind: 'KIND_CPU', count: 3 }],
        model_warmup: warmup([512, 3]),
      },
    ],
    [
      'batching off',
      { name: 'unbatched', maxBatch: 0 },
      {
        max_batch_size: 0,
        dims: { points: [-1, -1, 3], probabilities: [-1, -1, 5], labels: [-1, -1] },
        instance_group: [{ kind: 'KIND_GPU', count: 1 }],
        model_warmup: warmup([1, 1024, 3]),
      },
    ],
    [
      'batching off, fixed point count',
      { name: 'unbatched.fixed', maxBatch: 0, points: 300, version: 7 },
      {
        max_batch_size: 0,
        dims: { points: [-1, 300, 3], probabilities: [-1, 300, 5], labels: [-1, 300] },
        instance_group: [{ kind: 'KIND_GPU', count: 1 }],
        model_warmup: warmup([1, 300, 3]),
      },
    ],
  ];
  for (const [label, options, expected] of variants) {
    it(`${label}: config reflects the options and its dims match the ONNX graph`, async () => {
      const repo = path.join(dir, 'variants');
      const report = await writeTritonRepository(onnxBytes, repo, options);
      const config = await readConfig(report.modelDir);
      const dims = expected.dims as Record<string, number[]>;
      const { dims: _, ...rest } = expected;
      expect(config).toEqual({
        name: options.name,
        platform: 'onnxruntime_onnx',
        input: [{ name: 'points', data_type: 'TYPE_FP32', dims: dims.points }],
        output: [
          { name: 'probabilities', data_type: 'TYPE_FP32', dims: dims.probabilities, label_filename: 'labels.txt' },
          { name: 'labels', data_type: 'TYPE_INT64', dims: dims.labels },
        ],
        parameters: pnetParameters,
        ...rest,
      });
      // Independently of the expectations above: every config tensor agrees with model.onnx on disk.
      const model = await readFile(report.modelPath);
      expect(report.modelPath).toBe(path.join(repo, options.name!, String(options.version ?? 1), 'model.onnx'));
      const batching = (options.maxBatch ?? 8) > 0;
      const typeNames: Record<number, string> = {
        [onnx.TensorProto.DataType.FLOAT]: 'TYPE_FP32',
        [onnx.TensorProto.DataType.INT64]: 'TYPE_INT64',
      };
      for (const t of [...(config.input as object[]), ...(config.output as object[])] as Array<{
        name: string;
        data_type: string;
        dims: number[];
      }>) {
        const fromOnnx = onnxDims(model, t.name, batching, options.points);
        expect(t.dims, t.name).toEqual(fromOnnx.dims);
        expect(t.data_type, t.name).toBe(typeNames[fromOnnx.type]);
      }
    });
  }

  it('is deterministic: the same model and options give the same bytes', async () => {
    const a = await writeTritonRepository(onnxBytes, path.join(dir, 'det-a'), { points: 1000 });
    const b = await writeTritonRepository(onnxBytes, path.join(dir, 'det-b'), { points: 1000 });
    for (const file of ['config.pbtxt', 'labels.txt', path.join('1', 'model.onnx')]) {
      const [x, y] = await Promise.all([readFile(path.join(a.modelDir, file)), readFile(path.join(b.modelDir, file))]);
      expect(Buffer.compare(x, y), file).toBe(0);
    }
  });

  it('refuses to overwrite a version without force, replaces it with force, and leaves no temp folders', async () => {
    const repo = path.join(dir, 'overwrite');
    const first = await writeTritonRepository(onnxBytes, repo, { name: 'm' });
    const before = await readFile(first.configPath, 'utf8');
    const error = await writeTritonRepository(onnxBytes, repo, { name: 'm', points: 64 }).catch((e: unknown) => e);
    expect(isPnetError(error) && error.code).toBe('BAD_ARGUMENT');
    expect((error as Error).message).toBe('version 1 of model "m" already exists');
    expect((error as { remedy?: string }).remedy).toMatch(/--force/);
    expect(await readFile(first.configPath, 'utf8')).toBe(before);

    const second = await writeTritonRepository(onnxBytes, repo, { name: 'm', version: 2 });
    expect(second.replaced).toBe(false);
    const forced = await writeTritonRepository(onnxBytes, repo, { name: 'm', points: 64, force: true });
    expect(forced.replaced).toBe(true);
    expect(await readFile(forced.configPath, 'utf8')).toMatch(/dims: \[ 64, 3 \]/);
    expect((await readdir(path.join(repo, 'm'))).sort()).toEqual(['1', '2', 'config.pbtxt', 'labels.txt']);
  });

  const bad: Array<[TritonRepositoryOptions, RegExp]> = [
    [{ name: '.hidden' }, /--name "\.hidden" is not a valid Triton model name/],
    [{ name: 'a/b' }, /not a valid Triton model name/],
    [{ name: '' }, /not a valid Triton model name/],
    [{ name: 'spaced name' }, /not a valid Triton model name/],
    [{ maxBatch: -1 }, /--max-batch must be an integer ≥ 0/],
    [{ maxBatch: 2.5 }, /--max-batch must be an integer ≥ 0/],
    [{ version: 0 }, /--version must be a positive integer, got 0/],
    [{ version: 1.5 }, /--version must be a positive integer/],
    [{ points: 0 }, /--points must be a positive integer/],
    [{ points: Number.NaN }, /--points must be a positive integer/],
    [{ instances: 0 }, /--instances must be a positive integer/],
    [{ instanceKind: 'tpu' as never }, /--instance-kind must be one of gpu, cpu/],
  ];
  for (const [options, message] of bad) {
    it(`rejects ${JSON.stringify(options)} with BAD_ARGUMENT and writes nothing`, async () => {
      const repo = path.join(dir, 'bad');
      const error = await writeTritonRepository(onnxBytes, repo, options).catch((e: unknown) => e);
      expect(isPnetError(error) && error.code).toBe('BAD_ARGUMENT');
      expect((error as Error).message).toMatch(message);
      expect(await readdir(repo).catch(() => [])).toEqual([]);
    });
  }
});
